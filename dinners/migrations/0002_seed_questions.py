"""A dozen questions to start the bank with, three on each of the four topics; admins edit
the bank afterwards."""

from django.db import migrations

QUESTIONS = [
    ("meaning", "Tell us about a patient who reminded you why you went into medicine."),
    ("meaning", "What part of your work would you keep if you could drop everything else?"),
    ("meaning", "When did you last leave work feeling you had made a real difference?"),
    ("balance", "What do you protect from work, and how do you protect it?"),
    ("balance", "What did you give up for your career that you would like back?"),
    ("balance", "How do you leave work at work, on the days you manage it?"),
    ("mistakes", "Tell us about a mistake that taught you something you still use."),
    ("mistakes", "Who helped you after something went wrong, and what did they do?"),
    ("mistakes", "How could we make it easier to talk about errors here?"),
    ("resilience", "What keeps you going on the hardest weeks?"),
    ("resilience", "What is one small change that would make your working day better?"),
    ("resilience", "Whom do you turn to at work when things are hard, and why them?"),
]


def seed(apps, schema_editor):
    DinnerQuestion = apps.get_model("dinners", "DinnerQuestion")
    for topic, text in QUESTIONS:
        DinnerQuestion.objects.get_or_create(text=text, defaults={"topic": topic})


def unseed(apps, schema_editor):
    DinnerQuestion = apps.get_model("dinners", "DinnerQuestion")
    DinnerQuestion.objects.filter(text__in=[text for _, text in QUESTIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("dinners", "0001_dinner_seasons")]

    operations = [migrations.RunPython(seed, unseed)]
