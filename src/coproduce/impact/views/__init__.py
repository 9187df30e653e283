"""Impact's pages, one module of views per concept (``views/<concept>.py`` each lists its own
``urlpatterns``)."""
