"""Write the exploration notebooks (without outputs) from the cell sources below.

Run from the repository root: ``.venv/bin/python notebooks/_build.py``. The .ipynb files are the
committed artefact; this script keeps their sources reviewable as plain Python and makes sure
they carry no outputs, execution counts or kernel-specific metadata beyond the kernel name.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

KERNEL = {"name": "kpn-contract", "display_name": "kpn_contract (.venv)", "language": "python"}

TARGET_NOTE = """\
**Where the calls go.** One environment variable, `KPN_TARGET`, decides:

| `KPN_TARGET` | what happens |
|---|---|
| `replay` (default) | the committed cassettes under `cassettes/notebooks/` answer; nothing leaves the machine |
| `emulator` | a local KPN emulator answers (started for you; `KPN_EMULATOR_URL` points at a running one) |
| `live` | KPN itself answers, with the credentials in your environment |

`KPN_RECORD=1` together with `KPN_TARGET=emulator` (or `live`) re-records this notebook's cassettes.
Every cassette shipped with kpn_contract was recorded against the emulator."""


def md(text: str) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = new_markdown_cell(text.strip("\n"))
    return cell


def code(text: str) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = new_code_cell(text.strip("\n"))
    return cell


# --------------------------------------------------------------------------------------------------
NB01 = [
    md("""
# 01 · Get a token

Every call to a KPN API starts with an access token. KPN has two token services, and kpn_contract
wraps each of them in a **credential profile**: a name that says which token service to ask and
which environment variables hold the credentials. Secrets live only in the environment, never in a
file or a notebook.

**API Store (the KPN Developer Portal): `sandbox` and `project`.** Products such as Chat and
messaging (Parley), WeSeeDo Personal and Number Insight use OAuth 2.0 *client credentials* at the
gateway `api-prd.kpn.com`. You post your client ID and secret as a form to
`/oauth/client_credential/accesstoken?grant_type=client_credentials` (note: `grant_type` travels in
the query string). The portal gives you two sets of credentials:

* the **sandbox** set: one client ID and secret for every API in the sandbox, meant for testing;
* a **project** set per project: one client ID and secret for the APIs of that project, meant for production.

The answer is JSON in which *every value is a string*, even `expires_in` ("3599") and `issued_at`
(epoch milliseconds). There is no refresh token: when the token expires, you simply ask again.

**GRIP machine authentication: `things` and `things-subcustomer`.** KPN Things (a beta API) takes tokens
from GRIP, KPN's identity platform. In GRIP an *API key* belongs to a tenant (your customer environment),
not to a person. A token request needs four values: the GRIP **tenant ID** (in the URL path), the
**application ID** of KPN Things sent as `audience` (`4dc82561-f65f-523g-dek9-6c79ec314f02`, which is
not a valid UUID, so nothing should validate it as one), and the API key's **ID** and **secret**. The
token is valid for one hour; again there is no refresh token. `things-subcustomer` is the same key
acting for one of your own customers (see notebook 02).
"""),
    md(TARGET_NOTE),
    code("""
from IPython.display import Markdown, display

from kpn_contract import notebook
from kpn_contract.config.profiles import load_config

nb = notebook.kpn_notebook("sandbox", cassette="01-get-a-token")
nb
"""),
    md("""
## The four profiles

The profiles name environment variables, not values. They ship with kpn_contract and can be
overridden or extended in `pyproject.toml` (`[tool.kpn_contract.profiles.NAME]`) or `kpn-contract.toml`.
In `replay` and `emulator`, an unset variable falls back to the emulator's published demo credentials.
"""),
    code("""
config = load_config()
PROFILES = ["sandbox", "project", "things", "things-subcustomer"]
rows = ["| profile | kind | token URL | environment variables |", "|---|---|---|---|"]
for name in PROFILES:
    profile = config.profile(name)
    rows.append(f"| `{name}` | {profile.kind} | `{profile.token_url}` | {', '.join(profile.env_vars())} |")
display(Markdown("\\n".join(rows)))
"""),
    md("""
## A token for each profile

`nb.token(profile)` fetches the token (or reuses the cached one), validates the token response against
its contract in `specs/` and shows the token **masked**: its first four characters and its length, enough
to tell two tokens apart and never enough to use one. (In `replay` the token shows as `REDACTED`:
the cassette never held it. Against the emulator or live you see its first characters and length.)
"""),
    code('nb.token("sandbox")'),
    code('nb.token("project")'),
    code('nb.token("things")'),
    code("""
# The sub-customer profile uses the same GRIP API key, so it shares the cached token of `things`.
nb.token("things-subcustomer")
"""),
    code("""
cards = [nb.token(name) for name in PROFILES]
assert all(card.conforms for card in cards), "a token response broke its contract"
"""),
    md("""
## What the token errors mean

When a token request fails, kpn_contract raises a `TokenError` whose **hint** is KPN's documented meaning
of the answer. Below, each documented failure is provoked on purpose with one wrong value, and the
error it maps to is shown.

| answer | meaning |
|---|---|
| gateway `401 {"ErrorCode":"invalid_client","Error":"ClientId is Invalid"}` | the client ID or secret is wrong (or belongs to another set: sandbox vs project) |
| gateway `400 … "Required param : grant_type"` | `grant_type=client_credentials` is missing from the query string |
| GRIP `Feature user does not exist anymore.` | the API key ID or secret is wrong |
| GRIP `Feature service does not exist anymore.` | the API key lacks the *KPN Things Portal* service (add it in the GRIP Portal) |
| GRIP `SAML request error: "idpId" not found.` | the tenant ID in the URL path is wrong |
"""),
    code("""
# Deliberately wrong, and not secret: the angle brackets mark them as placeholders.
WRONG = {"client_id": "<not-a-client-id>", "client_secret": "<not-the-right-one>"}
attempts = [
    nb.token_attempt("sandbox", label="gateway: wrong client ID and secret", **WRONG),
    nb.token_attempt("sandbox", label="gateway: grant_type left out of the query string", grant_type=False),
    nb.token_attempt("things", label="GRIP: wrong API key ID and secret", **WRONG),
    nb.token_attempt("things", label="GRIP: a key without the KPN Things Portal service",
                     audience="not-the-kpn-things-application"),
    nb.token_attempt("things", label="GRIP: wrong tenant ID", tenant_id="no-such-tenant-0000"),
]
for attempt in attempts:
    display(attempt)
"""),
    code("""
assert all(attempt.error is not None and attempt.hint for attempt in attempts)
[attempt.code for attempt in attempts]
"""),
    md("""
## Contract violations so far

Every token response, the refusals included, was checked against `specs/kpn-api-store-gateway-token.yaml`
and `specs/grip-token.yaml`.
"""),
    code("nb.violations"),
    code("nb.close()  # closing the session writes its cassettes when recording"),
]

# --------------------------------------------------------------------------------------------------
NB02 = [
    md("""
# 02 · Explore KPN Things

KPN Things is a beta API at `https://api.kpnthings.com`, authenticated with a GRIP token (notebook 01).
This notebook lists devices (paging, search, sort), runs the sub-customer flow, and shows the two
answers that surprise people most: a **302** and a **403**.
"""),
    md(TARGET_NOTE),
    code("""
from kpn_contract import notebook
from kpn_contract.auth.subcustomer import request_access_rights

nb = notebook.kpn_notebook("things", cassette="02-explore-kpn-things")
ACCEPT = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}
nb
"""),
    md("""
## List devices

`GET /api/devices` answers one page. Its query parameters are `currentPage` (from 0), `pageSize`
(default 20), `search` (a case-sensitive partial match on the name), `sortBy` (default `name`) and
`sortOrder` (`ASC` or `DESC`). The `Accept` header must name the versioned media type, or KPN Things
answers 400. Each answer below shows the operation it matched in `specs/kpn-things/kpn-things-beta.yaml` and its verdict.
"""),
    code("""
first = nb.call("GET", "/api/devices", params={"pageSize": 5}, headers=ACCEPT)
first
"""),
    md("### Paging through every device"),
    code("""
names, page_number = [], 0
while True:
    page = nb.call("GET", "/api/devices", params={"currentPage": page_number, "pageSize": 20}, headers=ACCEPT)
    assert page.conforms, page
    body = page.json()
    names += [device["name"] for device in body["content"]]
    if body["last"]:
        break
    page_number += 1
print(f"{len(names)} devices on {body['totalPages']} pages of {body['size']}")
assert len(names) == body["totalElements"]
"""),
    md("### Search and sort"),
    code("""
found = nb.call("GET", "/api/devices", params={"search": "Amsterdam", "sortBy": "name", "sortOrder": "DESC"},
                headers=ACCEPT)
found_names = [device["name"] for device in found.json()["content"]]
print(f"{len(found_names)} device(s) whose name contains 'Amsterdam', sorted Z→A:")
print("\\n".join(found_names))
assert all("Amsterdam" in name for name in found_names)
assert found_names == sorted(found_names, reverse=True)
"""),
    code("""
# The search is case-sensitive: the lower-case spelling finds nothing.
lower = nb.call("GET", "/api/devices", params={"search": "amsterdam"}, headers=ACCEPT)
lower.json()["totalElements"]
"""),
    md("""
## Sub-customers: access rights, then `x-client-id`

With the *Customer Management* add-on, your API key can act in the environments of your own customers.
It takes two steps:

1. **once per API key and sub-customer**, request access rights to that customer's environment:
   `POST /api/v1/lifecycle/clients/{customerId}/context-switch` with the token and an empty body;
2. **on every call** for that customer, add the header `x-client-id: {customerId}`.

The `things-subcustomer` profile reads the customer ID from `KPN_THINGS_SUBCUSTOMER_ID` and adds the
header for you; `request_access_rights` makes the first call (without `x-client-id`).
"""),
    code("""
customer_id = nb.kpn.credentials("things-subcustomer").subcustomer_id  # registered as a secret: never shown
with nb.client("things-subcustomer", subcustomer=False, validate=False) as things:
    granted = nb.check(request_access_rights(things, customer_id))
granted
"""),
    code("""
sub_devices = nb.call("GET", "/api/devices", profile="things-subcustomer", headers=ACCEPT)
assert sub_devices.status == 200 and sub_devices.conforms
sub_devices
"""),
    md("""
## A 302 Found: the token is wrong

KPN Things does not answer a bad token with 401. It answers **302 Found** with a `Location` pointing at
a login page. KPN documents it as: *your access token is incorrect or does not have access to KPN Things;
check your API key in GRIP*. It is an authentication failure dressed as a redirect, so:

* never follow it (kpn_contract's clients have `follow_redirects=False`), or your code would parse a login page;
* the contract rules in `specs/rules.yaml` count it as a **violation** even though the spec declares it,
  so a test that gets one fails loudly instead of passing with an HTML page.

(kpn_contract's own auth renews the token once on a 302 and raises a `TokenError` if it persists. Here the
call is sent with a deliberately wrong token and no auth, to see the raw answer.)
"""),
    code("""
wrong_token = nb.call("GET", "/api/devices", authenticated=False,
                      headers={**ACCEPT, "Authorization": "Bearer wrong-token"})
assert wrong_token.status == 302 and not wrong_token.conforms
wrong_token
"""),
    md("""
## A 403 Forbidden: valid token, no rights

A **403** means the token is fine but not authorised for this resource. For sub-customer calls it
almost always means step 1 above was never done for this API key and customer. Here the valid token
asks for a sub-customer (`emu-subcustomer-0099`, a demo customer of the emulator) to which this key
never requested access rights.
"""),
    code("""
no_rights = nb.call("GET", "/api/devices", headers={**ACCEPT, "x-client-id": "emu-subcustomer-0099"})
assert no_rights.status == 403
no_rights
"""),
    md("## Contract violations so far\n\nOnly the 302 should be here: the contract says a 302 is never a result."),
    code("nb.violations"),
    code("nb.close()  # closing the session writes its cassettes when recording"),
]

# --------------------------------------------------------------------------------------------------
NB03 = [
    md("""
# 03 · Contract checks

Every response a `kpn_notebook` session sees is checked against its contract: the operation in `specs/`
that matches its method and URL, that operation's declared status codes and JSON Schemas, and KPN's
response-code rules (`specs/rules.yaml`). This notebook calls an endpoint of KPN Things and one of an
API Store product (Number Insight, through the `sandbox` profile), breaks a response by hand to see what
a violation looks like, and ends with the pytest test that pins the exploration down.
"""),
    md(TARGET_NOTE),
    code("""
import asyncio

import httpx

from kpn_contract import notebook

nb = notebook.kpn_notebook("things", cassette="03-contract-checks")
ACCEPT = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}
"""),
    md("## KPN Things: list devices"),
    code("""
devices = nb.call("GET", "/api/devices", params={"pageSize": 3}, headers=ACCEPT)
assert devices.conforms
devices
"""),
    md("""
The same call from an async client, three at once. Jupyter runs every cell in an event loop, so `await`
works right here; the client shares the session's token (one fetch however many calls start together),
cassette and validation.
"""),
    code("""
async with nb.async_client() as things:
    pages = await asyncio.gather(
        *(things.get("/api/devices", params={"pageSize": 3}, headers=ACCEPT) for _ in range(3))
    )
assert [page.status_code for page in pages] == [200, 200, 200]
[len(page.json()["content"]) for page in pages]
"""),
    md("""
## An API Store product: Number Insight (basic)

Number Insight is a Vonage product sold through the KPN API Store, so it takes a gateway token from the
`sandbox` profile. Its contract is `specs/vonage-number-insight.yaml` (Swagger 2.0, derived from KPN's
published definition). API Store answers also carry quota headers (`quota-limit`, `quota-used`, …) and a
`sunset` header, KPN's built-in early warning of a breaking change.
"""),
    code("""
insight = nb.call("POST", "/communication/nexmo/number-insight/basic", profile="sandbox",
                  data={"number": "31612345678", "country": "NL"})
assert insight.conforms
insight
"""),
    code("""
{name: insight.response.headers.get(name) for name in ("quota-limit", "quota-used", "sunset", "api-version")}
"""),
    md("""
## What a violation looks like

Take the device page above and change it the way a careless release might: `totalElements` becomes a
string, and the first device loses its `name`. Then validate it with the session's validator, the same
one every call goes through.
"""),
    code("""
broken = devices.json()
broken["totalElements"] = str(broken["totalElements"])
del broken["content"][0]["name"]
altered = httpx.Response(
    200,
    headers={"content-type": devices.response.headers["content-type"]},
    json=broken,
    request=devices.response.request,
)
violations = nb.validator.check(altered)
assert {v.rule_id for v in violations} and all(v.operation_id for v in violations)
notebook.ViolationTable(violations)
"""),
    md("""
`nb.check(response)` does the same and also adds the violations to the session's list, with the
response's verdict and a redacted body excerpt:
"""),
    code("nb.check(altered)"),
    md("Everything the session has flagged so far (the altered response only; the real answers kept their contracts):"),
    code("""
table = nb.violations
assert len(table) == len(violations)
table
"""),
    code("table.to_rows()[:2]"),
    code("nb.close()  # closing the session writes its cassettes when recording"),
    md("""
## Pin it down in a pytest test

The exploration becomes a test with the pytest plugin. The `kpn_client` fixture gives the same
authenticated, validating client; the cassette is recorded once (`--kpn-target emulator --kpn-record-mode once`,
or `live`) and replayed offline on every run. A contract violation fails the test with the same text as above.
The cell below writes the test; copy it to `tests/contract/`.
"""),
    code('''
TEST_SOURCE = """\\
import pytest

ACCEPT = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}


@pytest.mark.kpn(profile="things")
def test_list_devices_first_page(kpn_client):
    things = kpn_client()  # base URL, GRIP token, response validation, cassette
    page = things.get("/api/devices", params={"pageSize": 3}, headers=ACCEPT)
    assert page.status_code == 200  # the body already passed its contract
    body = page.json()
    assert body["number"] == 0 and body["size"] == 3
    assert len(body["content"]) <= 3


@pytest.mark.kpn(profile="sandbox")
def test_number_insight_basic(kpn_client):
    store = kpn_client()
    answer = store.post("/communication/nexmo/number-insight/basic", data={"number": "31612345678", "country": "NL"})
    assert answer.status_code == 200
    assert answer.headers["sunset"] == "n/a"  # KPN announces a breaking change here first
"""
compile(TEST_SOURCE, "test_explored.py", "exec")  # it is valid Python
print(TEST_SOURCE)
'''),
]

# --------------------------------------------------------------------------------------------------
NB04 = [
    md("""
# 04 · Breaking changes

KPN Things is a beta: KPN tries to announce breaking changes but does not promise to. kpn_contract
looks for them from the consumer's side in two ways:

* **`diff`** compares two specifications (yours against a newer one) and lists what a consumer may notice;
* **`drift`** compares *recordings*: the answers you recorded before against the answers of today. It needs
  no spec from KPN at all, which is the point for an API without a published definition.

Both classify each finding as **breaking**, **warning** or **info**. For an API marked beta
(`x-kpn-stability: beta`, or `deprecated` like the KPN Things beta), breaking changes are reported as
warnings, flagged *beta*.
The same runs are on the command line: `kpn-contract diff OLD NEW` and `kpn-contract drift BASELINE NEW`.
"""),
    md(TARGET_NOTE),
    code("""
import copy
import tempfile
from pathlib import Path

import yaml
from IPython.display import Markdown, display

from kpn_contract import notebook
from kpn_contract.config.profiles import load_config
from kpn_contract.contract.specs import load_spec, project_index
from kpn_contract.contract.validate import Validator
from kpn_contract.drift import diff_specs, drift_recordings, report
from kpn_contract.emulator import NEXT_VARIANT_CHANGES

config = load_config()
SPECS = config.spec_dir or config.root / "specs"
NOTEBOOK_CASSETTES = config.cassette_dir / "notebooks"
ACCEPT = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}
"""),
    md("""
## `diff`: our KPN Things contract against a changed copy

Suppose KPN's next beta renames `deviceSpecificationUUID`, makes `search` a required parameter and
drops the downlink operation. Here is that copy of `specs/kpn-things/kpn-things-beta.yaml`, made in a temporary folder:
"""),
    code("""
current_path = SPECS / "kpn-things" / "kpn-things-beta.yaml"
changed = copy.deepcopy(yaml.safe_load(current_path.read_text(encoding="utf-8")))
device = changed["components"]["schemas"]["Device"]
device["properties"]["deviceSpecificationId"] = device["properties"].pop("deviceSpecificationUUID")
device["required"] = ["deviceSpecificationId" if f == "deviceSpecificationUUID" else f for f in device["required"]]
for parameter in changed["paths"]["/api/devices"]["get"]["parameters"]:
    if parameter.get("name") == "search":
        parameter["required"] = True
del changed["paths"]["/api/actuator/downlinks"]
changed["info"]["version"] = "beta-next"

workdir = Path(tempfile.mkdtemp(prefix="kpn-diff-"))
changed_path = workdir / "kpn-things-next.yaml"
changed_path.write_text(yaml.safe_dump(changed, sort_keys=False), encoding="utf-8")

diff_findings = diff_specs(load_spec(current_path), load_spec(changed_path))
assert diff_findings, "the changes must be found"
display(Markdown(report.render(diff_findings, "markdown", title="Spec diff: kpn-things-beta.yaml → the changed copy")))
"""),
    md("""
## `drift`: today's recordings against the next beta

The emulator has a `next` variant that carries the deliberate breaking changes of KPN Things' next beta.
The cells below make the same calls against the current variant and against `next`, each into its own
cassette under `cassettes/notebooks/`. In `replay` (the default) both answer from the committed
recordings, so this runs offline; with `KPN_TARGET=emulator KPN_RECORD=1` they are recorded afresh.
"""),
    code("""
def explore(variant: str) -> notebook.NotebookSession:
    # Within one cell, `with` closes the session (and writes its cassettes) however the block ends.
    with notebook.kpn_notebook("things", cassette=f"04-drift-{variant}", variant=variant) as nb:
        nb.call("GET", "/api/devices", params={"pageSize": 20}, headers=ACCEPT)
        nb.call("GET", "/api/devices", params={"currentPage": 1, "pageSize": 20}, headers=ACCEPT)
        customer_id = nb.kpn.credentials("things-subcustomer").subcustomer_id
        nb.call("POST", f"/api/v1/lifecycle/clients/{customer_id}/context-switch", subcustomer=False)
    return nb

current, nxt = explore("current"), explore("next")
print("current variant:", len(current.violations), "violation(s); next variant:", len(nxt.violations))
"""),
    md("The validator already notices that the next beta breaks today's contract:"),
    code("nxt.violations"),
    md("Drift compares the two sets of recordings field by field, whatever the spec says:"),
    code("""
index = project_index(SPECS)
drift_findings = drift_recordings(
    [NOTEBOOK_CASSETTES / "04-drift-current"],
    [NOTEBOOK_CASSETTES / "04-drift-next"],
    index=index,
    validator=Validator(index),
)
assert any(f.operation == "GET /api/devices" for f in drift_findings)
display(Markdown(report.render(drift_findings, "markdown", title="Drift: current beta → next beta")))
"""),
    md("What the emulator's `next` variant documents as changed, to compare with the report above:"),
    code("""
rows = ["| operation | pointer | change | description |", "|---|---|---|---|"]
rows += [f"| `{c['operation']}` | `{c['pointer'] or '(status)'}` | {c['kind']} | {c['description']} |"
         for c in NEXT_VARIANT_CHANGES]
display(Markdown("\\n".join(rows)))
"""),
    md("## Findings by operation and severity"),
    code("""
all_findings = notebook.FindingTable([*diff_findings, *drift_findings])
all_findings
"""),
    code("""
chart = notebook.FindingsChart(all_findings, title="diff + drift findings by operation and severity")
chart
"""),
]


# --------------------------------------------------------------------------------------------------
NB05 = [
    md("""
# 05 · Migrate to the new KPN Things API

KPN now labels the KPN Things API of notebooks 02-04 (`/api/devices`, `/api/actuator/downlinks`, the
context switch) as **"Beta API (Deprecated)"** and recommends a new KPN Things API on the same host,
`https://api.kpnthings.com`. kpn_contract carries both contracts in `specs/kpn-things/`: the beta in
`kpn-things-beta.yaml` (every operation `deprecated: true`) and one OpenAPI 3.1 file per resource of the
new API (`devices.yaml`, `projects.yaml`, …).

This notebook answers the consumer's question, *what do I have to change?*, in three steps:

1. the **migration report**: kpn_contract pairs each beta operation with its counterpart through the map
   `specs/kpn-things/migrations/beta-to-new.yaml` and derives every change from the two sets of specs,
   limited to what the shipped beta consumers really call and read;
2. the **same device list two ways**: paged with the beta (`currentPage`/`pageSize`) and with the new
   API (a cursor in `links.next`), to see that the same devices come back under new field names;
3. a short **table of what a consumer must change**, taken from the report.
"""),
    md(TARGET_NOTE),
    code("""
import json
from collections import Counter

from IPython.display import Markdown, display

from kpn_contract import notebook
from kpn_contract.config.profiles import load_config
from kpn_contract.drift import run_migration

config = load_config()
THINGS_SPECS = (config.spec_dir or config.root / "specs") / "kpn-things"
BETA_SPEC = THINGS_SPECS / "kpn-things-beta.yaml"
MIGRATION_MAP = THINGS_SPECS / "migrations" / "beta-to-new.yaml"
# What the shipped beta consumers call: the contract suite's KPN Things tests and notebook 02.
USED_BY = [
    config.cassette_dir / "contract" / "test_things",
    config.cassette_dir / "notebooks" / "02-explore-kpn-things",
]
"""),
    md("""
## The migration report

The map only *pairs* operations (`GET /api/devices` → `GET /devices`, `POST /api/actuator/downlinks` →
`POST /lora/downlinks`, the context switch → nothing) and names renames and replaced parameters; the
changes themselves come from the specs: the path, paging, sort and search parameters, the `Accept` media
type, field renames, the page envelope, the auth-failure statuses and the sub-customer mechanism.
`used_by` keeps only what the recorded traffic uses: a removed response field matters only if the
consumer ever received it.

On the command line it is the same report:

```
kpn-contract diff specs/kpn-things/kpn-things-beta.yaml specs/kpn-things/ \\
    --map specs/kpn-things/migrations/beta-to-new.yaml \\
    --used-by cassettes/contract/test_things --used-by cassettes/notebooks/02-explore-kpn-things
```

It exits 1 when a breaking change remains, so a CI job can hold a release until the migration is done.
The moved operations are judged by the stability of their *new* spec: moving off a deprecated beta to
the new API is a real change for the consumer, so its breaking changes count as breaking.
"""),
    code("""
def migration_report(fmt: str) -> tuple[str, int]:
    return run_migration(BETA_SPEC, THINGS_SPECS, MIGRATION_MAP, used_by=USED_BY, fmt=fmt)


report_json, exit_code = migration_report("json")
findings = json.loads(report_json)["findings"]
severities = Counter(finding["severity"] for finding in findings)
operations = sorted({finding["operation"] for finding in findings})
rows = ["| operation | breaking | warning | info |", "|---|---:|---:|---:|"]
for operation in operations:
    counts = Counter(f["severity"] for f in findings if f["operation"] == operation)
    rows.append(f"| `{operation}` | {counts['breaking']} | {counts['warning']} | {counts['info']} |")
rows.append(f"| **all** | **{severities['breaking']}** | **{severities['warning']}** | **{severities['info']}** |")
display(Markdown("\\n".join(rows)))
print(f"{len(findings)} findings; the command would exit {exit_code}")
assert exit_code == 1 and severities["breaking"] > 0
"""),
    md("""
### What changes for `GET /api/devices`

The beta's device list is what every consumer of KPN Things calls first. Its findings, with the
location shortened to the field or parameter they are about:
"""),
    code("""
DEVICES = "GET /api/devices"
device_findings = [f for f in findings if f["operation"] == DEVICES]


def shown(value: object) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else "—" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


rows = ["| severity | rule | about | beta | new API |", "|---|---|---|---|---|"]
for f in device_findings:
    about = f["pointer"].rsplit("/", 1)[-1] or "(operation)"
    rows.append(f"| {f['severity']} | `{f['rule_id']}` | `{about}` | {shown(f['old'])} | {shown(f['new'])} |")
display(Markdown("\\n".join(rows)))

rules = {f["rule_id"] for f in device_findings}
expected = {"migration.path.changed", "migration.paging.changed", "migration.sort.changed",
            "migration.search.changed", "migration.accept.changed", "migration.field.renamed"}
assert expected <= rules, expected - rules
"""),
    md("The whole report, as `kpn-contract diff … --format markdown` prints it (every finding with its message):"),
    code("""
report_markdown, _ = migration_report("markdown")
display(Markdown(report_markdown))
"""),
    md("""
## The same devices, two ways

Both APIs answer on the same host with the same GRIP token (notebook 01). First the beta, exactly as
notebook 02 pages it: `currentPage` from 0, `pageSize`, the vendor `Accept` type, and a page that says
whether it is the `last`.
"""),
    code("""
nb = notebook.kpn_notebook("things", cassette="05-migrate-to-the-new-things-api")
BETA_ACCEPT = {"Accept": "application/vnd.kpnthings.device.v1.response+json"}

beta_devices, page_number = [], 0
while True:
    page = nb.call("GET", "/api/devices", params={"currentPage": page_number, "pageSize": 20}, headers=BETA_ACCEPT)
    assert page.conforms, page
    body = page.json()
    beta_devices += body["content"]
    if body["last"]:
        break
    page_number += 1
print(f"beta: {len(beta_devices)} devices on {body['totalPages']} pages of {body['size']}")
"""),
    md("""
### The new API lists every client's devices

The beta answered for the API key's own customer; a sub-customer's devices needed the context switch and
the `x-client-id` header (notebook 02). The new API has neither: a parent customer sees the devices of
every client it owns, and the `clientId` filter narrows the list to one client. No vendor `Accept` type
is needed (`application/json`). One large page (`limit` goes up to 200, the maximum the specs choose [?])
shows the owners:
"""),
    code("""
everything = nb.call("GET", "/devices", params={"limit": 200})
assert everything.conforms and "next" not in everything.json()["links"]
owners = Counter(device["clientId"] for device in everything.json()["items"])
rows = ["| clientId | devices |", "|---|---:|"] + [f"| `{client}` | {count} |" for client, count in owners.items()]
display(Markdown("\\n".join(rows)))
"""),
    md("""
Which client is ours? Any device the beta listed tells: `GET /devices/{deviceId}` takes the beta's
`uuid` as the new `id`, and the device names its `clientId`.
"""),
    code("""
one = nb.call("GET", f"/devices/{beta_devices[0]['uuid']}")
assert one.conforms
own_client = one.json()["clientId"]
one
"""),
    md("""
### Paging with a cursor

The new list pages with `limit` and an opaque `cursor`. A page is `{"items": [...], "links": {...}}`:
`links.next` is there while more follow, `links.previous` from the second page on, and there are no page
numbers or totals. A link is a relative reference (path and query, cursor included), sent as it is:
never build a cursor yourself. `limit=2` makes many small pages; `sort=name` gives the beta's default order.
"""),
    code("""
new_devices, pages = [], 0
page = nb.call("GET", "/devices", params={"clientId": own_client, "limit": 2, "sort": "name"})
while True:
    assert page.conforms, page
    pages += 1
    body = page.json()
    new_devices += body["items"]
    if "next" not in body["links"]:
        break
    page = nb.call("GET", body["links"]["next"])
print(f"new API: {len(new_devices)} devices on {pages} pages of at most 2")
assert pages > 2
"""),
    md("The last page has a `previous` link and no `next`:"),
    code("page"),
    md("""
### The same devices under new names

Apply the report's field renames to the beta devices and drop the fields it reports removed. What is
left must be exactly what the new API answered, device by device and in the same order. The new API
adds fields of its own (the report lists them as `response.property.added`).
"""),
    code("""
renames = {f["old"]: f["new"] for f in device_findings if f["rule_id"] == "migration.field.renamed"}
removed = {f["pointer"].rsplit("/", 1)[-1] for f in device_findings if f["rule_id"] == "response.property.removed"}
print("renamed:", renames, " removed:", sorted(removed))


def as_new_api(device: dict) -> dict:
    return {renames.get(name, name): value for name, value in device.items() if name not in removed}


migrated = [as_new_api(device) for device in beta_devices]
common = list(migrated[0])
assert [{name: device[name] for name in common} for device in new_devices] == migrated
print(f"the {len(migrated)} beta devices and the {len(new_devices)} new-API devices are the same")
print("only in the new API:", sorted(set(new_devices[0]) - set(common)))

rows = ["| beta `uuid` | new `id` | name |", "|---|---|---|"]
rows += [f"| `{b['uuid']}` | `{n['id']}` | {n['name']} |" for b, n in zip(beta_devices[:4], new_devices[:4])]
display(Markdown("\\n".join(rows)))
"""),
    md("""
### Sort, search and the sub-customer filter

`sort=createdAt,-name` sorts on several fields, each ascending unless it starts with `-`; the beta had
one `sortBy` and one `sortOrder`. `q` searches name **and** description **ignoring case**; the beta's
`search` was a case-sensitive match on the name only.
"""),
    code("""
by_age = nb.call("GET", "/devices", params={"clientId": own_client, "limit": 200, "sort": "createdAt,-name"})
assert by_age.conforms
created = [device["createdAt"] for device in by_age.json()["items"]]
assert created == sorted(created)
print(f"oldest: {created[0]}, newest: {created[-1]}")
"""),
    code("""
def new_api_search(term: str) -> set[str]:
    page = nb.call("GET", "/devices", params={"clientId": own_client, "q": term, "limit": 200})
    assert page.conforms and "next" not in page.json()["links"]
    return {device["id"] for device in page.json()["items"]}


def beta_search(term: str) -> set[str]:
    page = nb.call("GET", "/api/devices", params={"search": term, "pageSize": 200}, headers=BETA_ACCEPT)
    assert page.conforms and page.json()["last"]
    return {device["uuid"] for device in page.json()["content"]}


found = {(api, term): search(term) for api, search in (("beta", beta_search), ("new", new_api_search))
         for term in ("water", "WATER")}
rows = ["| API | term | devices |", "|---|---|---:|"]
rows += [f"| {api} | `{term}` | {len(ids)} |" for (api, term), ids in found.items()]
display(Markdown("\\n".join(rows)))
assert found["new", "WATER"] == found["new", "water"] == found["beta", "water"] and not found["beta", "WATER"]
"""),
    md("""
(Here `q` and the beta's `search` find the same devices for `water` because every device's description
names its sensor type like its name does; in general `q` finds more.)

A sub-customer's devices need no context switch and no `x-client-id`: the parent filters on the
sub-customer's `clientId`. Each client's list matches its count in the table of owners above:
"""),
    code("""
for client, count in owners.items():
    owned = nb.call("GET", "/devices", params={"clientId": client, "limit": 200})
    assert owned.conforms
    clients = {device["clientId"] for device in owned.json()["items"]}
    assert len(owned.json()["items"]) == count and clients == {client}
    print(f"clientId {client}: {count} devices{' (ours)' if client == own_client else ''}")
"""),
    md("""
### A wrong token: 401 instead of 302

Notebook 02 showed the beta's **302 Found** for a wrong token. The new API answers **401** with
`WWW-Authenticate: Bearer`, and a **403** means a token without the operation's scope
(`error="insufficient_scope"` names it).
"""),
    code("""
wrong_token = nb.call("GET", "/devices", authenticated=False, headers={"Authorization": "Bearer wrong-token"})
assert wrong_token.status == 401 and wrong_token.response.headers["www-authenticate"].startswith("Bearer")
wrong_token
"""),
    md("""
## What a consumer must change

For the device list, from the report above (every row is a finding on `GET /api/devices`):
"""),
    code("""
CONCERNS = {
    "migration.path.changed": "path",
    "migration.paging.changed": "paging",
    "migration.sort.changed": "sort",
    "migration.search.changed": "search",
    "migration.sub-customer.changed": "sub-customer",
    "migration.accept.changed": "Accept header",
    "migration.envelope.changed": "page envelope",
    "migration.field.renamed": "field names",
    "migration.auth-failure.changed": "auth failure",
}
changes: dict[str, tuple[list[str], list[str]]] = {}
for f in device_findings:
    if f["rule_id"] in CONCERNS:
        old, new = changes.setdefault(CONCERNS[f["rule_id"]], ([], []))
        for side, value in ((old, f["old"]), (new, f["new"])):
            for item in value if isinstance(value, list) else [value]:
                if str(item) not in side:
                    side.append(str(item))
rows = ["| what | beta | new API |", "|---|---|---|"]
rows += [f"| {what} | {', '.join(old)} | {', '.join(new)} |" for what, (old, new) in changes.items()]
display(Markdown("\\n".join(rows)))
assert {"path", "paging", "field names", "Accept header"} <= set(changes)
"""),
    md("""
Not in the table, but seen above: without `clientId` the new list also holds your sub-customers'
devices, and the beta's `metadata` has no counterpart. Every answer kept its contract:
"""),
    code("nb.violations"),
    code("nb.close()"),
]


def build(name: str, cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    for number, cell in enumerate(cells):
        cell["id"] = f"{name[:2]}-{number:02d}"  # stable ids: rebuilding gives the same file
    notebook: nbformat.NotebookNode = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = KERNEL
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


def main() -> None:
    for name, cells in (
        ("01-get-a-token", NB01),
        ("02-explore-kpn-things", NB02),
        ("03-contract-checks", NB03),
        ("04-breaking-changes", NB04),
        ("05-migrate-to-the-new-things-api", NB05),
    ):
        notebook = build(name, cells)
        nbformat.validate(notebook)
        path = HERE / f"{name}.ipynb"
        nbformat.write(notebook, path)
        print(f"wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
