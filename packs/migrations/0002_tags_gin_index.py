from django.db import migrations

from attune.migration_ops import gin_index_on_tags


class Migration(migrations.Migration):
    dependencies = [("packs", "0001_initial")]

    operations = [gin_index_on_tags("packs_pack", "pack_tags_gin")]
