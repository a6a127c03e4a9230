"""The review workbench's web app (FastAPI): `app.create_app`; routes in `routes/`, services below them."""
