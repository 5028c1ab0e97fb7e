"""Validates every kind of resource Chairside's FHIR view emits with an
independent validator: the `fhir.resources` models (R4B) for structure and
types, plus the required code bindings of R4 that those models leave
unchecked (Appointment.status, Slot.status, CarePlan.status, …).

Usage: fhir_validate.py BASE_URL ADMIN_KEY — seeds a clinic through the
REST API (a clinic-scoped integration key, a patient, a booked course, one
session cancelled) and reads it back as FHIR. Exits 1 on any problem.
"""

import datetime
import json
import sys
import urllib.error
import urllib.request

from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot

MODELS = {
    "Appointment": Appointment,
    "Bundle": Bundle,
    "CapabilityStatement": CapabilityStatement,
    "CarePlan": CarePlan,
    "OperationOutcome": OperationOutcome,
    "Schedule": Schedule,
    "Slot": Slot,
}

# Required bindings (FHIR R4 value sets) the models do not enforce.
BINDINGS = {
    ("Appointment", "status"): {"proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow", "entered-in-error", "checked-in", "waitlist"},
    ("Slot", "status"): {"busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"},
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Bundle", "type"): {"document", "message", "transaction", "transaction-response", "batch", "batch-response", "history", "searchset", "collection"},
    ("CapabilityStatement", "status"): {"draft", "active", "retired", "unknown"},
    ("OperationOutcome.issue", "severity"): {"fatal", "error", "warning", "information"},
}
PARTICIPANT_STATUS = {"accepted", "declined", "tentative", "needs-action"}
ACTIVITY_STATUS = {"not-started", "scheduled", "in-progress", "on-hold", "completed", "cancelled", "stopped", "unknown", "entered-in-error"}

problems = []
seen = {}


def call(base, key, method, path, body=None, headers=()):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    for name, value in headers:
        request.add_header(name, value)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request) as response:
            body = json.loads(response.read() or b"null")
            if isinstance(body, dict) and response.headers.get("ETag"):
                body["__etag"] = response.headers["ETag"]
            return response.status, response.headers.get("Content-Type", ""), body
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), json.loads(error.read() or b"null")


def check_codes(resource):
    kind = resource.get("resourceType")
    for (where, field), allowed in BINDINGS.items():
        if where == kind and field in resource and resource[field] not in allowed:
            problems.append(f"{kind}.{field} = {resource[field]!r} is not in its value set")
    if kind == "Appointment":
        for p in resource.get("participant", []):
            if p.get("status") not in PARTICIPANT_STATUS:
                problems.append(f"Appointment.participant.status = {p.get('status')!r}")
    if kind == "CarePlan":
        for a in resource.get("activity", []):
            status = a.get("detail", {}).get("status")
            if status is not None and status not in ACTIVITY_STATUS:
                problems.append(f"CarePlan.activity.detail.status = {status!r}")
    if kind == "OperationOutcome":
        for issue in resource.get("issue", []):
            if issue.get("severity") not in BINDINGS[("OperationOutcome.issue", "severity")]:
                problems.append(f"OperationOutcome.issue.severity = {issue.get('severity')!r}")
    if kind == "Bundle":
        for entry in resource.get("entry", []):
            validate(entry["resource"])


def validate(resource):
    kind = resource.get("resourceType")
    model = MODELS.get(kind)
    if model is None:
        problems.append(f"no model for {kind}")
        return
    try:
        model.model_validate(resource)
    except Exception as error:  # the models raise pydantic's ValidationError
        problems.append(f"{kind}/{resource.get('id')}: {error}")
    check_codes(resource)
    seen[kind] = seen.get(kind, 0) + 1


def fetch(base, key, path, status=200):
    got, content_type, body = call(base, key, "GET", path)
    if got != status:
        problems.append(f"GET {path}: {got}, expected {status}: {body}")
    if not content_type.startswith("application/fhir+json"):
        problems.append(f"GET {path}: content type {content_type!r}")
    validate(body)
    return body


def seed(base, admin):
    def rest(method, path, body=None):
        status, _, answer = call(base, admin, method, path, body)
        if status >= 300:
            sys.exit(f"seeding: {method} {path} -> {status} {answer}")
        return answer

    hours = {d: [{"opens": "08:00", "closes": "18:00"}] for d in ["mon", "tue", "wed", "thu", "fri"]}
    clinic = rest("POST", "/v1/clinics", {"name": "FHIR clinic", "time_zone": "America/New_York", "hours": hours})["id"]
    c = f"/v1/clinics/{clinic}"
    rest("POST", f"{c}/chairs", {"label": "Chair 1", "modalities": ["iv", "intranasal"]})
    rest("POST", f"{c}/chairs", {"label": "Chair 2", "modalities": ["iv"]})
    key = rest("POST", f"{c}/api-keys", {"role": "integration", "label": "fhir"})["token"]
    desk = rest("POST", f"{c}/api-keys", {"role": "front_desk", "label": "fhir desk"})["token"]
    today = datetime.date.today()
    patient = rest("POST", f"{c}/patients", {
        "external_ref": "MRN-F", "display_name": "F. Patient",
        "intake_assessed_on": str(today - datetime.timedelta(days=7)),
        "consent_on_file": True, "escort_confirmed": True})["id"]
    protocol = next(p for p in rest("GET", f"{c}/protocols") if p["code"] == "iv-ketamine-standard")["id"]
    course = rest("POST", f"{c}/courses", {"patient_id": patient, "protocol_id": protocol,
                                            "earliest": str(today + datetime.timedelta(days=3))})
    sessions = [s for s in course["sessions"] if s["status"] == "booked"]
    last = sessions[-1]
    etag = rest("GET", f"{c}/sessions/{last['id']}")["__etag"]
    status, _, answer = call(base, admin, "POST", f"{c}/sessions/{last['id']}/cancel",
                             {"scope": "this", "reason": "patient away"}, [("If-Match", etag)])
    if status != 200:
        sys.exit(f"seeding: cancel -> {status} {answer}")
    return key, patient, course["id"], sessions[0], desk


def main():
    base, admin = sys.argv[1], sys.argv[2]
    key, patient, course, first, desk = seed(base, admin)
    fetch(base, None, "/fhir/r4/metadata")
    bundle = fetch(base, key, f"/fhir/r4/Appointment?patient=Patient/{patient}")
    for entry in bundle.get("entry", []):
        fetch(base, key, f"/fhir/r4/Appointment/{entry['resource']['id']}")
    fetch(base, key, "/fhir/r4/Appointment?status=cancelled&_count=1")
    fetch(base, key, f"/fhir/r4/CarePlan/{course}")
    fetch(base, key, f"/fhir/r4/CarePlan?patient=Patient/{patient}")
    schedules = fetch(base, key, "/fhir/r4/Schedule")
    day = first["local"]["date"]
    next_day = str(datetime.date.fromisoformat(day) + datetime.timedelta(days=1))
    for entry in schedules.get("entry", []):
        fetch(base, key, f"/fhir/r4/Schedule/{entry['resource']['id']}")
        if entry["resource"]["id"].startswith("chair-"):
            fetch(base, key, f"/fhir/r4/Slot?schedule=Schedule/{entry['resource']['id']}&start=ge{day}&start=lt{next_day}")
    found = fetch(base, key, f"/fhir/r4/Appointment/$find?careplan=CarePlan/{course}&_count=3")
    proposals = [e["resource"] for e in found.get("entry", [])]
    if not proposals:
        problems.append("$find proposed nothing")
    else:
        status, content_type, booked = call(base, desk, "POST", "/fhir/r4/Appointment/$book", proposals[0],
                                            [("Content-Type", "application/fhir+json")])
        if status != 200 or booked.get("status") != "booked":
            problems.append(f"$book: {status} {booked}")
        validate(booked)
    fetch(base, key, "/fhir/r4/Appointment/999999", status=404)
    fetch(base, key, "/fhir/r4/Appointment?date=tomorrow", status=422)
    for kind in ["Appointment", "Bundle", "CapabilityStatement", "CarePlan", "OperationOutcome", "Schedule", "Slot"]:
        if not seen.get(kind):
            problems.append(f"no {kind} was checked")
    print("fhir: validated " + ", ".join(f"{n} {k}" for k, n in sorted(seen.items())))
    if problems:
        print("fhir: the view emitted invalid resources:", file=sys.stderr)
        for problem in problems:
            print(" -", problem, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
