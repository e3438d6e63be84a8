"""The client-file page (*fiche client*): a composition layer.

The page shows what several apps hold (the file, its contacts, its pieces, later
its reminders and payments). The apps' dependencies point one way — ``contacts``
and ``pieces`` know ``dossiers``, ``dossiers`` knows neither — so the page that
gathers them lives here, above them: ``fiche`` imports the apps, no app imports
``fiche``. See ``fiche.views`` for how a panel is added.
"""
