"""Program policy: the place of service sent on professional claims for a day the patient
attended only by video (CMS 10, telehealth in the patient's home, by default; or 02)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_coverage_subscriber_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="programbilling",
            name="video_place_of_service",
            field=models.CharField(
                choices=[
                    ("10", "10, telehealth in the patient's home"),
                    (
                        "02",
                        "02, telehealth other than in the patient's home (for example from a "
                        "clinic, a school or a workplace)",
                    ),
                ],
                default="10",
                help_text="Sent on professional claims for a day the patient attended only by "
                "video.",
                max_length=2,
                verbose_name="Program policy: where your patients usually join video sessions from",
            ),
        ),
        migrations.AddConstraint(
            model_name="programbilling",
            constraint=models.CheckConstraint(
                condition=models.Q(("video_place_of_service__in", ["10", "02"])),
                name="program_billing_video_place",
            ),
        ),
    ]
