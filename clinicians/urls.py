
app_name = "clinicians"

urlpatterns: list = []
