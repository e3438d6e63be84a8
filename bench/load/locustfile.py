"""Load test: collection agents working their files.

Each simulated agent signs in once, then mixes the list, searches, opening client
files, adding notes and moving the default star (« Utiliser par défaut » then
« Oui »), with short pauses. Targets come from setup_data.py (LOAD_TARGETS).
Writes are plain form posts (no htmx) so that the status says whether they were
accepted: 302 = done. Every accepted write is counted in LOAD_RESULT for
check_invariants.py.
"""

import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, events, task

TARGETS = json.loads(
    Path(os.environ.get("LOAD_TARGETS", "bench/out/load/targets.json")).read_text()
)
RESULT = os.environ.get("LOAD_RESULT", "bench/out/load/result.json")
_usernames = itertools.cycle(TARGETS["usernames"])
counters = {"notes": 0, "defaults": 0, "login_failures": 0}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NOTES = [
    "Appel du débiteur : règlement annoncé pour la fin du mois.",
    "Relance téléphonique, message laissé sur la messagerie.",
    "Échéancier proposé en trois mensualités, en attente de réponse.",
    "Courrier de relance envoyé ce jour.",
]


class Agent(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self):
        self.username = next(_usernames)
        page = self.client.get("/connexion/", name="/connexion/ [GET]")
        token = CSRF_INPUT.search(page.text)[1]
        with self.client.post(
            "/connexion/",
            {
                "username": self.username,
                "password": TARGETS["password"],
                "csrfmiddlewaretoken": token,
            },
            name="/connexion/ [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                counters["login_failures"] += 1
                response.failure(f"connexion refusée ({response.status_code})")

    def _csrf(self) -> dict:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}

    @task(3)
    def file_list(self):
        view = random.choice(["mes", "tous", "tous", "top"])
        page = random.randint(1, 5) if view == "tous" else 1
        self.client.get(f"/dossiers/?vue={view}&page={page}", name=f"/dossiers/?vue={view}")

    @task(2)
    def search(self):
        term = random.choice(TARGETS["search_terms"])
        self.client.get("/dossiers/", params={"vue": "tous", "q": term}, name="/dossiers/?q=…")

    @task(4)
    def client_file(self):
        pk = random.choice(TARGETS["hot"] if random.random() < 0.3 else TARGETS["dossiers"])
        self.client.get(f"/dossiers/{pk}/", name="/dossiers/<pk>/")

    @task(1)
    def add_note(self):
        if not TARGETS["note_urls"]:
            return
        url = random.choice(list(TARGETS["note_urls"].values()))
        with self.client.post(
            url,
            {"text": random.choice(NOTES)},
            headers=self._csrf(),
            name="/dossiers/<pk>/notes/ [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                counters["notes"] += 1
            else:
                response.failure(f"note refusée ({response.status_code})")

    @task(1)
    def change_default(self):
        if not TARGETS["default_urls"]:
            return
        urls = random.choice(list(TARGETS["default_urls"].values()))
        url = random.choice(urls)
        with self.client.post(
            url,
            {},
            headers=self._csrf(),
            name="/dossiers/<pk>/contacts/moyens/<id>/par-defaut/ [POST]",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                counters["defaults"] += 1
            else:
                response.failure(f"étoile refusée ({response.status_code})")


@events.test_stop.add_listener
def _write_result(environment, **kwargs):
    with open(RESULT, "w") as fh:
        json.dump(counters, fh)
