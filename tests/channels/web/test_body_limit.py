"""Request bodies are capped on every endpoint before a handler reads them (issue 14, defect
1): a huge question, a huge form or a body streamed without a length gets 413."""

from __future__ import annotations

from tests.channels.web.test_web import csrf, web  # noqa: F401  (the app fixture)

CAP = 64 * 1024  # Settings.max_request_kb's default


def test_a_huge_question_is_refused_before_it_is_read(web):  # noqa: F811
    client, _, _ = web
    token = csrf(client, "/")
    huge = client.post("/api/ask", json={"question": "a." * CAP},
                       headers={"X-CSRF-Token": token})
    assert huge.status_code == 413
    assert "at most 65,536 bytes" in huge.json()["error"]
    fine = client.post("/api/ask", json={"question": "Can I email a risk assessment?"},
                       headers={"X-CSRF-Token": token})
    assert fine.status_code == 200


def test_a_body_streamed_without_a_length_is_cut_off(web):  # noqa: F811
    client, _, _ = web
    token = csrf(client, "/")

    def chunks():
        yield b'{"question": "'
        for _ in range(200):
            yield b"a." * 512
        yield b'"}'

    streamed = client.post("/api/ask", content=chunks(),
                           headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
    assert streamed.status_code == 413


def test_forms_are_capped_too(web):  # noqa: F811
    client, _, _ = web
    form = client.post("/login", data={"email": "x" * (2 * CAP), "password": "p"})
    assert form.status_code == 413 and "too large" in form.text
