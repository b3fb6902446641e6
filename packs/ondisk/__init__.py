"""Packs on disk: reading a pack directory or archive, checking it, and syncing it to the database.

`loader.read_pack` turns a directory into a PackSpec (every check, no database); `sync`
plans and applies it in one transaction; `operations` holds the disk-side rules the API,
the admin and the commands share (which directories may be read, uploads, sync).
"""
