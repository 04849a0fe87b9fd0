"""The worklist page per receiving clerk, and who sees applicants' names (NĐ 13/2023):
clerks and supervisors of the unit on the page; nobody in the reports, the drill-down
or the report exports; in the worklist CSV only when asked, recorded as an event; never
in the server's log. Against a real `sohoa serve`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update

from sohoa.settings import Settings
from sohoa.storage.catalog import Catalog
from sohoa.storage.events import events_for
from sohoa.storage.register_models import DossierRow
from tests.web.conftest import ADMIN, ARCHIVIST, CLERK, SUPERVISOR, UNIT, Served, signed_in
from tests.web.report_data import DONE, OTHER, WAITING, fill_register

#: Planted in the served catalog: it must show only where it is needed.
APPLICANT = "Đỗ Thị Bí Mật"
PERIOD = {"unit": UNIT, "from": "01/01/2025", "to": "31/12/2025"}


@pytest.fixture(scope="module")
def office(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The report data, WAITING received by CLERK, every dossier with the planted name (as
    an office that keeps names has them); put back as it was afterwards."""
    fill_register(served, tmp_path_factory.mktemp("register"))
    url = Settings(home=served.home).resolved_database_url
    with Catalog.open(url) as catalog, catalog.database.sessions.begin() as session:
        session.execute(update(DossierRow).values(applicant_name=APPLICANT))
        session.execute(update(DossierRow).where(DossierRow.code == WAITING).values(clerk=CLERK))
    yield served
    with Catalog.open(url) as catalog, catalog.database.sessions.begin() as session:
        session.execute(update(DossierRow).values(applicant_name=None, clerk=None))


def test_a_clerk_sees_their_own_dossiers_first_and_everyones_on_request(office: Served) -> None:
    with signed_in(office, CLERK) as clerk:
        own = clerk.get("/worklist").text
        everyone = clerk.get("/worklist", params={"unit": UNIT, "clerk": "*"}).text
        someone_else = clerk.get("/worklist", params={"unit": UNIT, "clerk": "nguoi-khac"}).text
    assert WAITING in own and 'id="every-clerk"' in own
    assert f'<td class="clerk">{CLERK}</td>' in own
    assert WAITING in everyone and 'id="mine"' in everyone
    assert WAITING not in someone_else


@pytest.mark.parametrize("who", [CLERK, SUPERVISOR])
def test_the_people_who_receive_dossiers_see_the_applicants_name(office: Served, who: str) -> None:
    with signed_in(office, who) as person:
        page = person.get("/worklist", params={"unit": UNIT, "clerk": "*"}).text
    assert APPLICANT in page


def test_an_admin_does_not_and_an_archivist_has_no_worklist(office: Served) -> None:
    with signed_in(office, ADMIN) as admin:
        page = admin.get("/worklist", params={"unit": UNIT}).text
        refused = admin.get("/worklist.csv", params={"unit": UNIT, "personal": "1"})
    assert WAITING in page and APPLICANT not in page
    assert refused.status_code == 403
    with signed_in(office, ARCHIVIST) as archivist:
        assert archivist.get("/worklist", params={"unit": UNIT}).status_code == 403


def test_reports_drill_down_and_report_exports_never_show_names(office: Served) -> None:
    with signed_in(office, CLERK) as clerk:
        answers = [
            clerk.get("/reports", params=PERIOD),
            clerk.get("/reports/dossiers", params={**PERIOD, "measure": "received"}),
            clerk.get("/reports/export.csv", params=PERIOD),
            clerk.get("/reports/export.xlsx", params=PERIOD),
            clerk.get("/reports/export.pdf", params=PERIOD),
        ]
    assert all(a.status_code == 200 for a in answers)
    assert DONE in answers[1].text, "the drill-down lists the dossiers"
    for answer in answers:
        assert APPLICANT.encode() not in answer.content, answer.url


def test_the_worklist_csv_has_names_only_when_asked_and_that_is_recorded(office: Served) -> None:
    url = Settings(home=office.home).resolved_database_url
    with Catalog.open(url) as catalog:
        before = len(events_for(catalog.database, UNIT))
    with signed_in(office, CLERK) as clerk:
        plain = clerk.get("/worklist.csv", params={"unit": UNIT, "clerk": "*"})
        named = clerk.get("/worklist.csv", params={"unit": UNIT, "clerk": "*", "personal": "1"})
    text = plain.content.decode("utf-8-sig")
    assert plain.status_code == 200 and WAITING in text and OTHER not in text
    assert APPLICANT not in text and "Họ tên người nộp" not in text
    assert APPLICANT in named.content.decode("utf-8-sig")
    with Catalog.open(url) as catalog:
        trail = events_for(catalog.database, UNIT)[before:]
    assert [(e.type, e.actor, e.detail["what"]) for e in trail] == [
        ("personal_disclosed", CLERK, "worklist_csv")
    ]
    assert APPLICANT not in (office.home / "serve.log").read_text("utf-8", "replace")
