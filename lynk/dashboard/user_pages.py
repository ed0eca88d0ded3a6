"""Users (administrators only): the merchant's users and their roles, inviting one (its one-time sign-in link
is shown once, as `lynk users create` prints it), changing a role, removing a user (it can no longer sign in)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from lynk.dashboard import roles, service
from lynk.dashboard.web import BASE, Visit, act, form_of, pages, render, view
from lynk.models.dashboard import ROLES

NOTICES = {"role": "The role is changed.", "removed": "The user is removed: it can no longer sign in."}


async def _users_page(request: Request, visit: Visit, link: str | None = None) -> Response:
    users = await service.users_of(visit.tx.session, visit.user.merchant_id)
    return render(
        request,
        "users.html",
        visit=visit,
        section="users",
        users=[u for u in users if u.disabled_at is None],
        roles=ROLES,
        table=roles.table(),
        link=link,
        notice=NOTICES.get(request.query_params.get("done", "")),
    )


@pages.get(f"{BASE}/users")
async def users_page(request: Request) -> Response:
    return await view(request, "users.manage", lambda visit: _users_page(request, visit))


@pages.post(f"{BASE}/users")
async def invite(request: Request) -> Response:
    form = form_of(request)
    made: list[str] = []

    async def run(visit: Visit) -> str:
        _user, token = await service.create_user(
            visit.tx.session, visit.user.merchant_id, form.get("email", ""), form.get("role", ""), now=visit.tx.now
        )
        made.append(f"{visit.tx.runtime.settings.public_url.rstrip('/')}{BASE}/setup/{token}")
        return f"{BASE}/users"

    answer = await act(request, "users.manage", "invited_user", run, target=form.get("email", "")[:64])
    if not made or answer.status_code != 303:
        return answer  # the link is shown on the answer to the form only (a repeat shows none)
    return await view(request, "users.manage", lambda visit: _users_page(request, visit, made[0]))


@pages.post(f"{BASE}/users/{{user_id}}/role")
async def change_role(user_id: str, request: Request) -> Response:
    role = form_of(request).get("role", "")

    async def run(visit: Visit) -> str:
        await service.change_role(visit.tx.session, visit.user, user_id, role)
        return f"{BASE}/users?done=role"

    return await act(request, "users.manage", "changed_role", run, target=user_id)


@pages.post(f"{BASE}/users/{{user_id}}/remove")
async def remove(user_id: str, request: Request) -> Response:
    async def run(visit: Visit) -> str:
        await service.disable(visit.tx.session, visit.user, user_id, now=visit.tx.now)
        return f"{BASE}/users?done=removed"

    return await act(request, "users.manage", "removed_user", run, target=user_id)
