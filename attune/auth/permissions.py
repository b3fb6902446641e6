"""What a user may do, in Attune's words: `{resource, actions}` from Django model permissions.

Attune clients read `effective_permissions` from `GET /auth/me` to decide what to offer. Here
the API's resources map to Django models: `read` needs only an active user (reads are not
permission-checked), and the write actions map to the model's `add`/`change`/`delete`
permissions, held directly or through a group. A superuser holds every action.
"""

# Attune's resource name -> the Django model (`app_label.model_name`) the API serves it from.
# A resource added to the API gets its line here.
API_RESOURCES = {
    "packs": "packs.pack",
    "workflows": "workflows.workflow",
}

# Attune's action -> the Django permission verb; None: granted to every active user.
ACTIONS = {
    "read": None,
    "create": "add",
    "update": "change",
    "delete": "delete",
}


def effective_permissions(user) -> list[dict]:
    """One `{resource, actions}` per API resource, sorted by resource, actions in ACTIONS order."""
    held = user.get_all_permissions()  # cached on the user; superusers get every permission
    result = []
    for resource, model in sorted(API_RESOURCES.items()):
        app_label, model_name = model.split(".")
        actions = [
            action
            for action, verb in ACTIONS.items()
            if verb is None or user.is_superuser or f"{app_label}.{verb}_{model_name}" in held
        ]
        result.append({"resource": resource, "actions": actions})
    return result


def assigned_permission_set_refs(user) -> list[str]:
    """Attune's permission sets are our Django groups: the user's group names, sorted."""
    return sorted(user.groups.values_list("name", flat=True))
