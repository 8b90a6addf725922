"""A small cmi5 LMS and LRS for tests, on the loopback interface.

It imports a cmi5 package (zip), serves its files, and launches an AU the way
the cmi5 specification asks an LMS to (sections 8 and 10): it writes the
LMS.LaunchData state document, records a "launched" statement, and builds the
launch URL with endpoint, fetch, actor, registration and activityId. The fetch
URL gives the session's auth token once. The LRS side keeps state documents
and records statements, refusing (HTTP 400, and a line in `rejections`) every
statement that breaks the specification's rules for AU statements:

- the session: initialized first, terminated last, nothing after terminated,
  no cmi5 defined verb twice, at most one of passed/failed; timestamps in order;
- the registration: completed and passed at most once, no failed after passed;
- every statement: a UUID id, a timestamp, the launch actor, the registration
  and the session id of the context template, the publisher id grouping;
- cmi5 defined statements: only the AU's verbs, the AU's activityId as object,
  the cmi5 category; the moveOn category exactly when the result has success
  or completion; result rules (completion for completed, success for passed
  and failed, a scaled score only there and consistent with masteryScore, the
  masteryScore extension, duration for completed, passed, failed and
  terminated); none but initialized/terminated outside Normal launch mode;
- cmi5 allowed statements: between initialized and terminated, without the
  cmi5 or moveOn category.

An AU still running when it is launched again is abandoned, as the LMS must.
Only the standard library: a test fixture needs no web framework.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlencode, urlsplit

from lxml import etree

NS = {"cs": "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"}
VERB = "http://adlnet.gov/expapi/verbs/"
ADL_VERB = "https://w3id.org/xapi/adl/verbs/"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
EXTENSION = "https://w3id.org/xapi/cmi5/context/extensions/"
SESSION_ID = EXTENSION + "sessionid"
MASTERY = EXTENSION + "masteryscore"
AU_VERBS = {"initialized", "completed", "passed", "failed", "terminated"}
JUDGED_RESULT = {"completed", "passed", "failed"}
DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.I)


class Rejected(Exception):
    pass


@dataclass
class AU:
    publisher_id: str
    url: str
    move_on: str
    mastery_score: float | None
    launch_method: str
    title: str


@dataclass
class Session:
    id: str
    au: AU
    activity_id: str
    token: str
    fetch_key: str
    launch_data: dict
    fetched: bool = False
    statements: list[dict] = field(default_factory=list)  # accepted, in order
    terminated: bool = False
    abandoned: bool = False

    def verbs(self) -> list[str]:
        return [verb_of(statement) for statement in self.statements]


def verb_of(statement: dict) -> str:
    return statement["verb"]["id"].rsplit("/", 1)[-1]


def categories(statement: dict) -> set[str]:
    activities = (statement.get("context") or {}).get("contextActivities") or {}
    return {activity.get("id") for activity in activities.get("category") or []}


def canonical_agent(agent: dict) -> str:
    return json.dumps(agent, sort_keys=True)


class Cmi5TestLms:
    """Start with `with Cmi5TestLms(package) as lms:`; `lms.launch(index)` gives a launch URL."""

    def __init__(self, package: Path, learner: str = "learner-1"):
        self.root = Path(tempfile.mkdtemp(prefix="scormpack-cmi5-lms-"))
        with zipfile.ZipFile(package) as archive:
            archive.extractall(self.root / "content")
        structure = etree.parse(str(self.root / "content" / "cmi5.xml")).getroot()
        self.course_id = structure.find("cs:course", NS).get("id")
        self.aus = [
            AU(
                publisher_id=au.get("id"),
                url=au.findtext("cs:url", namespaces=NS).strip(),
                move_on=au.get("moveOn", "NotApplicable"),
                mastery_score=float(au.get("masteryScore")) if au.get("masteryScore") else None,
                launch_method=au.get("launchMethod", "AnyWindow"),
                title=au.findtext("cs:title/cs:langstring", namespaces=NS),
            )
            for au in structure.iter("{%s}au" % NS["cs"])
        ]
        self.actor = {"objectType": "Agent", "account": {"homePage": "http://lms.example", "name": learner}}
        self.registration = str(uuid.uuid4())
        self.sessions: list[Session] = []
        self.states: dict[tuple[str, str, str, str], bytes] = {}
        self.rejections: list[str] = []
        self.lms_statements: list[dict] = []  # launched, abandoned, satisfied: what the LMS itself records
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Cmi5TestLms":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------ the LMS

    def activity_id(self, au: AU) -> str:
        """The LMS's own id for the AU: never the publisher's, the same on every launch."""
        return f"{self.base}activities/{self.aus.index(au) + 1}"

    def launch(self, index: int, launch_mode: str = "Normal", mastery_score: float | None = None,
               move_on: str | None = None, return_url: bool = True) -> str:
        au = self.aus[index]
        with self.lock:
            for earlier in self.sessions:
                if earlier.au is au and not earlier.terminated and not earlier.abandoned:
                    earlier.abandoned = True
                    self.lms_statements.append({"verb": ADL_VERB + "abandoned", "session": earlier.id})
            session_id = str(uuid.uuid4())
            mastery = mastery_score if mastery_score is not None else au.mastery_score
            launch_data = {
                "contextTemplate": {
                    "contextActivities": {"grouping": [{"id": au.publisher_id, "objectType": "Activity"}]},
                    "extensions": {SESSION_ID: session_id},
                },
                "launchMode": launch_mode,
                "moveOn": move_on or au.move_on,
            }
            if mastery is not None:
                launch_data["masteryScore"] = mastery
            if return_url:
                launch_data["returnURL"] = f"{self.base}returned"
            session = Session(session_id, au, self.activity_id(au), uuid.uuid4().hex, uuid.uuid4().hex, launch_data)
            self.sessions.append(session)
            self.states[self._state_key(session.activity_id, self.actor, self.registration, "LMS.LaunchData")] = (
                json.dumps(launch_data).encode()
            )
            self.lms_statements.append({"verb": VERB + "launched", "session": session_id, "launchMode": launch_mode})
        parameters = {
            "endpoint": f"{self.base}xapi/",
            "fetch": f"{self.base}fetch/{session.fetch_key}",
            "actor": json.dumps(self.actor),
            "registration": self.registration,
            "activityId": session.activity_id,
        }
        url = urlsplit(au.url)
        query = (url.query + "&" if url.query else "") + urlencode(parameters)
        return f"{self.base}content/{url.path}?{query}"

    def session(self, number: int = -1) -> Session:
        return self.sessions[number]

    def satisfied(self, index: int) -> bool:
        """moveOn evaluated on what this registration recorded for the AU (section 13.1.4)."""
        au = self.aus[index]
        verbs = {verb_of(s) for session in self.sessions if session.au is au for s in session.statements}
        rule = au.move_on
        return {
            "NotApplicable": True,
            "Completed": "completed" in verbs,
            "Passed": "passed" in verbs,
            "CompletedAndPassed": {"completed", "passed"} <= verbs,
            "CompletedOrPassed": bool({"completed", "passed"} & verbs),
        }[rule]

    # ------------------------------------------------------------ the rules

    def _registration_verbs(self, au: AU) -> list[str]:
        return [verb_of(s) for session in self.sessions if session.au is au for s in session.statements]

    def check(self, session: Session, statement: dict) -> None:
        """Raises Rejected with the rule a statement breaks."""
        if session.terminated:
            raise Rejected("a statement after terminated")
        if session.abandoned:
            raise Rejected("a statement in an abandoned session")
        if not UUID.match(str(statement.get("id", ""))):
            raise Rejected("the statement id is not a UUID")
        timestamp = statement.get("timestamp")
        if not timestamp:
            raise Rejected("no timestamp")
        when = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        if session.statements and when < datetime.fromisoformat(session.statements[-1]["timestamp"].replace("Z", "+00:00")):
            raise Rejected("timestamp before the previous statement of the session")
        if canonical_agent(statement.get("actor") or {}) != canonical_agent(self.actor):
            raise Rejected("the actor is not the launch actor")
        context = statement.get("context") or {}
        if context.get("registration") != self.registration:
            raise Rejected("context.registration is not the launch registration")
        if (context.get("extensions") or {}).get(SESSION_ID) != session.id:
            raise Rejected("no session id from the context template")
        grouping = {a.get("id") for a in (context.get("contextActivities") or {}).get("grouping") or []}
        if session.au.publisher_id not in grouping:
            raise Rejected("the context template's publisher id grouping is missing")
        verb = verb_of(statement)
        defined = CMI5_CATEGORY in categories(statement)
        verbs = session.verbs()
        if not verbs and not (defined and verb == "initialized"):
            raise Rejected("the first statement of a session must be initialized")
        if not defined:
            if MOVEON_CATEGORY in categories(statement):
                raise Rejected("the moveOn category in a cmi5 allowed statement")
            return
        self._check_defined(session, statement, verb, verbs)

    def _check_defined(self, session: Session, statement: dict, verb: str, verbs: list[str]) -> None:
        if statement["verb"]["id"] != VERB + verb or verb not in AU_VERBS:
            raise Rejected(f"{statement['verb']['id']} is not a verb an AU may use in a cmi5 defined statement")
        if (statement.get("object") or {}).get("id") != session.activity_id:
            raise Rejected("the object is not the launch activityId")
        if verb in verbs:
            raise Rejected(f"{verb} twice in a session")
        result = statement.get("result") or {}
        judged = "success" in result or "completion" in result
        if judged != (MOVEON_CATEGORY in categories(statement)):
            raise Rejected("the moveOn category must be there exactly when the result has success or completion")
        if "score" in result and verb not in ("passed", "failed"):
            raise Rejected(f"a score in {verb}")
        if verb in JUDGED_RESULT | {"terminated"} and not DURATION.match(str(result.get("duration", ""))):
            raise Rejected(f"{verb} without a duration")
        if verb in JUDGED_RESULT and session.launch_data["launchMode"] != "Normal":
            raise Rejected(f"{verb} in {session.launch_data['launchMode']} launch mode")
        earlier = self._registration_verbs(session.au)
        mastery = session.launch_data.get("masteryScore")
        scaled = (result.get("score") or {}).get("scaled")
        if verb == "completed":
            if result.get("completion") is not True or "success" in result:
                raise Rejected("completed needs completion true and no success")
            if "completed" in earlier:
                raise Rejected("completed twice in a registration")
        elif verb in ("passed", "failed"):
            if result.get("success") is not (verb == "passed") or "completion" in result:
                raise Rejected(f"{verb} needs success {verb == 'passed'} and no completion")
            if {"passed", "failed"} & set(verbs):
                raise Rejected("passed or failed twice in a session")
            if "passed" in earlier:
                raise Rejected(f"{verb} after passed in the registration")
            if mastery is not None:
                if (statement["context"].get("extensions") or {}).get(MASTERY) != mastery:
                    raise Rejected("no masteryScore extension")
                if scaled is not None and (scaled >= mastery) != (verb == "passed"):
                    raise Rejected(f"{verb} with scaled score {scaled} against masteryScore {mastery}")
        elif "success" in result or "completion" in result:
            raise Rejected(f"success or completion in {verb}")

    # ------------------------------------------------------------ HTTP

    def _state_key(self, activity_id: str, agent: dict, registration: str, state_id: str) -> tuple[str, str, str, str]:
        return (activity_id, canonical_agent(agent), registration, state_id)

    def _session_for(self, authorization: str | None) -> Session | None:
        if not authorization or not authorization.startswith("Basic "):
            return None
        token = authorization[len("Basic "):]
        return next((s for s in self.sessions if s.token == token and s.fetched), None)

    def _handler(self):
        lms = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002 - the base class's name
                pass

            def reply(self, status: int, body: bytes = b"", content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self):
                path = urlsplit(self.path).path
                if path.startswith("/content/"):
                    return self.serve_file(path[len("/content/"):])
                if path == "/returned":
                    return self.reply(200, b"<!DOCTYPE html><title>Back in the LMS</title><h1>Back in the LMS</h1>", "text/html")
                if path == "/xapi/activities/state":
                    return self.state("GET")
                if path.startswith("/fetch/"):
                    return self.reply(405, b'{"error-code": "3", "error-text": "POST only"}')
                self.reply(404)

            def do_PUT(self):
                if urlsplit(self.path).path == "/xapi/activities/state":
                    return self.state("PUT")
                self.reply(404)

            def do_POST(self):
                path = urlsplit(self.path).path
                if path.startswith("/fetch/"):
                    return self.fetch(path[len("/fetch/"):])
                if path == "/xapi/statements":
                    return self.statements()
                if path == "/xapi/activities/state":
                    return self.state("PUT")
                self.reply(404)

            def serve_file(self, relative: str) -> None:
                target = (lms.root / "content" / PurePosixPath(relative)).resolve()
                if not target.is_file() or (lms.root / "content") not in target.parents:
                    return self.reply(404)
                types = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
                self.reply(200, target.read_bytes(), types.get(target.suffix, "application/octet-stream"))

            def fetch(self, key: str) -> None:
                with lms.lock:
                    session = next((s for s in lms.sessions if s.fetch_key == key), None)
                    if session is None:
                        return self.reply(200, b'{"error-code": "2", "error-text": "unknown fetch URL"}')
                    if session.fetched:
                        lms.rejections.append("fetch URL used twice")
                        return self.reply(200, b'{"error-code": "1", "error-text": "The authorization token has already been returned."}')
                    session.fetched = True
                    self.reply(200, json.dumps({"auth-token": session.token}).encode())

            def state(self, method: str) -> None:
                session = lms._session_for(self.headers.get("Authorization"))
                if session is None:
                    return self.reply(401)
                query = {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}
                try:
                    key = lms._state_key(query["activityId"], json.loads(query["agent"]), query.get("registration", ""), query["stateId"])
                except (KeyError, ValueError):
                    return self.reply(400)
                with lms.lock:
                    if method == "GET":
                        if key not in lms.states:
                            return self.reply(404)
                        return self.reply(200, lms.states[key])
                    if query["stateId"] == "LMS.LaunchData":
                        lms.rejections.append("the AU wrote LMS.LaunchData")
                        return self.reply(403)
                    lms.states[key] = self.body()
                    self.reply(204)

            def statements(self) -> None:
                if self.headers.get("X-Experience-API-Version", "")[:4] != "1.0.":
                    return self.reply(400, b"X-Experience-API-Version 1.0.x needed")
                session = lms._session_for(self.headers.get("Authorization"))
                if session is None:
                    lms.rejections.append("statements without the session's auth token")
                    return self.reply(401)
                try:
                    payload = json.loads(self.body())
                except ValueError:
                    return self.reply(400)
                batch = payload if isinstance(payload, list) else [payload]
                with lms.lock:
                    # A batch is stored whole or not at all (xAPI).
                    before = list(session.statements)
                    for statement in batch:
                        try:
                            lms.check(session, statement)
                        except (Rejected, KeyError, TypeError, ValueError) as error:
                            session.statements[:] = before
                            session.terminated = False
                            lms.rejections.append(f"{verb_of(statement) if 'verb' in statement else '?'}: {error}")
                            return self.reply(400, str(error).encode(), "text/plain")
                        session.statements.append(statement)
                        if verb_of(statement) == "terminated" and CMI5_CATEGORY in categories(statement):
                            session.terminated = True
                self.reply(200, json.dumps([s.get("id") for s in batch]).encode())

        return Handler

