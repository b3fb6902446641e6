from django.db import migrations

from attune.migration_ops import gin_index_on_tags


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]

    operations = [gin_index_on_tags("workflows_workflow", "workflow_tags_gin")]
