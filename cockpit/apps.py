from django.apps import AppConfig


class CockpitConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cockpit"
    verbose_name = "Vendor cockpit"

    def ready(self) -> None:
        # The orders grid (a lower app) offers a registry for drill-down filters; the
        # cockpit fills it so every chart point can link to the orders behind it.
        from cockpit.drilldown import register_grid_filters

        register_grid_filters()
