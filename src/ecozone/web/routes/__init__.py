"""The app's routes, one module per part of the work: login, pages, data entry, reports, JSON API."""
