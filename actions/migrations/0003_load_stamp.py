from django.db import migrations, models


class Migration(migrations.Migration):
    """The load stamp of a workflow action, so an unchanged action file is not compared again."""

    dependencies = [
        ("actions", "0002_alter_action_timeout"),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="load_stamp",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
    ]
