"""The HTTP surface: FastAPI routers only (``app.create_app`` assembles them);
each router calls into the service and holds no rules of its own."""
