"""The Messagerie's read API in-process on a SQLite store (no broker, no blobs): routes,
query parameters and refusals as HTTP answers them. The queries themselves are covered by
test_mail_queries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from directory_fixtures import Client, bearer
from ent_contracts.mail import MessageSent
from ent_kit.auth import Identity
from ent_kit.http import create_app
from ent_kit.runtime import Runtime, ServiceDefinition, provide
from ent_kit.settings import ServiceSettings
from ent_mail.application.mailbox_projection import MailboxProjection
from ent_mail.application.opening import Opening
from ent_mail.application.queries import MailQueries
from ent_mail.entrypoints.drafts import DraftsController
from ent_mail.entrypoints.folders import FoldersController
from ent_mail.entrypoints.reading import MailReadingController
from ent_mail.service import mailbox_commands
from kit_fixtures import TEST_KEYS, envelope
from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace import TracerProvider

STUDENT = Identity(user_id="student-1", profile="student")
OTHER = Identity(user_id="student-2", profile="student")


def reading_service() -> ServiceDefinition:
    return ServiceDefinition(
        name="mail",
        controllers=[MailReadingController, DraftsController, FoldersController],
        local_projections=[MailboxProjection()],
        dependencies=lambda runtime: {
            "mail_queries": provide(lambda: MailQueries(runtime.storage.documents)),
            "opening": provide(
                lambda: Opening(mailbox_commands(runtime), MailQueries(runtime.storage.documents))
            ),
        },
        uses_broker=False,
        uses_blobs=False,
    )


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    settings = ServiceSettings(
        service_name="mail", **TEST_KEYS.settings("mail"), store_url=f"sqlite://{tmp_path}/mail.db"
    )
    runtime = Runtime(reading_service(), settings, TracerProvider())
    async with AsyncTestClient(create_app(runtime)) as test_client:
        sent = MessageSent(
            conversation_id="c-1",
            message_id="m-1",
            sender_id="teacher-1",
            to=[STUDENT.user_id],
            reply_mode="all",
            kind="discussion",
            subject="Réunion des élèves",
            body_html="<p>Bonjour</p>",
            body_text="Bonjour",
            sent_at=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
        )
        async with runtime.storage.documents.transaction() as tx:
            await MailboxProjection().apply(tx, envelope(sent, "conversation:c-1", 1), sent)
        yield test_client


async def ok(client: Client, path: str, reader: Identity = STUDENT, **params: Any) -> Any:
    response = await client.get(path, params=params, headers=bearer(reader))
    assert response.status_code == 200, response.text
    return response.json()


async def status(client: Client, path: str, reader: Identity = STUDENT, **params: Any) -> int:
    response = await client.get(path, params=params, headers=bearer(reader))
    return int(response.status_code)


async def test_every_read_route_answers_its_view(client: Client) -> None:
    folders = await ok(client, "/mail/folders")
    page = await ok(client, "/mail/folders/inbox/messages", kind="discussion", unread_only=True)
    message = await ok(client, "/mail/messages/m-1")
    conversation = await ok(client, "/mail/conversations/c-1")
    found = await ok(client, "/mail/search", q="ELEVE")

    assert [f["name"] for f in folders["folders"]][:2] == ["Reçus", "Envoyés"]
    assert [c["message_id"] for c in page["items"]] == ["m-1"]
    assert (message["subject"], message["bcc"], message["previous_id"]) == (
        "Réunion des élèves",
        [],
        None,
    )
    assert [m["message_id"] for m in conversation["messages"]] == ["m-1"]
    assert [c["message_id"] for c in found["items"]] == ["m-1"]
    assert message["read"] is True  # opening it marked it read
    assert await ok(client, "/mail/unread-count") == {"unread": 0}
    assert [c["message_id"] for c in await ok(client, "/mail/latest")] == ["m-1"]
    home = await ok(client, "/mail/home")
    assert ([c["message_id"] for c in home["latest"]], home["unread"]) == (["m-1"], 0)
    assert (await ok(client, "/mail/home", reader=OTHER))["latest"] == []
    assert await ok(client, "/mail/drafts") == {"items": [], "next_cursor": None}
    assert await ok(client, "/mail/folders/inbox/messages", kind="system") == {
        "items": [],
        "next_cursor": None,
    }


async def test_bad_input_and_someone_elses_ids_are_refused(client: Client) -> None:
    assert await status(client, "/mail/messages/m-1", reader=OTHER) == 404
    assert await status(client, "/mail/conversations/c-1", reader=OTHER) == 404
    assert await status(client, "/mail/drafts/d-1") == 404
    assert await status(client, "/mail/folders/f-nope/messages") == 404
    assert await status(client, "/mail/folders/inbox/messages", kind="gossip") == 400
    assert await status(client, "/mail/folders/inbox/messages", cursor="garbage") == 400
    # base64 of [{"a": 1}, "x"]: valid JSON, but a cursor's values are scalars
    an_object = "W3siYSI6MX0sIngiXQ"
    assert await status(client, "/mail/folders/inbox/messages", cursor=an_object) == 400
    assert await status(client, "/mail/search", q="  ") == 400
    assert await status(client, "/mail/search") == 400
    assert await status(client, "/mail/latest", limit=21) == 400
    assert await status(client, "/mail/home", limit=0) == 400
    response = await client.get("/mail/folders")
    assert response.status_code == 401


async def test_the_routes_are_in_the_openapi_document(client: Client) -> None:
    response = await client.get("/schema/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/mail/folders",
        "/mail/folders/{folder_id}/messages",
        "/mail/messages/{message_id}",
        "/mail/search",
    } <= set(paths)
