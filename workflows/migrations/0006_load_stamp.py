from django.db import migrations, models


class Migration(migrations.Migration):
    """The load stamp a pack load writes, so an unchanged file is not validated again."""

    dependencies = [
        ("workflows", "0005_revision"),
    ]

    operations = [
        migrations.AddField(
            model_name="workflow",
            name="load_stamp",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
    ]
