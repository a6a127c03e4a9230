"""The workbench's routes, one router per part of the site; each route reads its request, asks
`pipeline.web.services.Workbench` and renders a template."""
