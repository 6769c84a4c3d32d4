"""A user's lifecycle through the Python client openapi-python-client generates from /openapi.json.

Run by .ci/openapi with the generated package (`tenantdesk_api`) on sys.path and TD_URL, TD_TOKEN,
TD_CID and TD_TENANT set for a `serve --demo` server. Every answer is read as the document's model
of its status: the test fails if the document and the server disagree.
"""

import json
import os
import sys
import uuid

from tenantdesk_api import AuthenticatedClient
from tenantdesk_api.api.customers import get_customer
from tenantdesk_api.api.users import create_user, delete_user, get_user, list_users, reset_password, update_user
from tenantdesk_api.models import (
    CollectionCustomerUser,
    CustomerUser,
    CustomerUserCreateRequest,
    CustomerUserRequest,
    ErrorBody,
    ListUsersSeekOperation,
    PasswordProfile,
    ResetCustomerUser,
    ResetPasswordRequest,
    UserState,
)

DELETED = json.dumps({"Field": "UserState", "Value": "Inactive", "Operator": "equals"})


def check(condition, message):
    if not condition:
        sys.exit(f"lifecycle.py: {message}")


def main():
    client = AuthenticatedClient(base_url=os.environ["TD_URL"], token=os.environ["TD_TOKEN"], raise_on_unexpected_status=True)
    cid = os.environ["TD_CID"]
    customer = get_customer.sync(cid, client=client)
    domain = customer.company_profile.domain
    run = uuid.uuid4().hex[:8]

    # Create, with a password and without one (a temporary one is generated and shown once).
    given = CustomerUserCreateRequest(
        user_principal_name=f"py-{run}@{domain}", display_name="Py One", usage_location="US",
        password_profile=PasswordProfile(password="Xy7!python-pass", force_change_password=False),
    )
    answer = create_user.sync_detailed(cid, client=client, body=given)
    check(answer.status_code == 200, f"create answered {answer.status_code}")
    one = answer.parsed
    check(isinstance(one, CustomerUser), f"create parsed as {one!r}")
    check(one.password_profile.password == "Xy7!python-pass", "the password set is echoed once")
    two = create_user.sync(cid, client=client, body=CustomerUserCreateRequest(
        user_principal_name=f"py-{run}-two@{domain}", display_name="Py Two", usage_location="DE"))
    check(isinstance(two, CustomerUser) and len(two.password_profile.password) >= 16, "a generated password")

    # Get.
    read = get_user.sync(cid, str(one.id), client=client)
    check(isinstance(read, CustomerUser) and read.user_principal_name == given.user_principal_name, f"get: {read!r}")
    check(isinstance(read.password_profile, type(None)) or not read.password_profile, "no password on get")

    # List with paging: pages of one, following the continuation token.
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"size": 1}
        if token is not None:
            kwargs.update(seek_operation=ListUsersSeekOperation.NEXT, ms_continuation_token=token)
        page = list_users.sync(cid, client=client, **kwargs)
        check(isinstance(page, CollectionCustomerUser), f"list parsed as {page!r}")
        check(page.total_count == len(page.items) <= 1, "a page of one")
        seen += [user.id for user in page.items]
        pages += 1
        token = page.continuation_token if isinstance(page.continuation_token, str) else None
        if token is None:
            break
    check(pages >= 2 and one.id in seen and two.id in seen, f"paging saw {pages} pages")

    # Patch; reset the password by PATCH and by CloudCockpit's route.
    patched = update_user.sync(cid, str(one.id), client=client, body=CustomerUserRequest(display_name="Py Renamed"))
    check(isinstance(patched, CustomerUser) and patched.display_name == "Py Renamed", f"patch: {patched!r}")
    reset = update_user.sync(cid, str(one.id), client=client,
                             body=CustomerUserRequest(password_profile=PasswordProfile(password="Renew456*py")))
    check(reset.password_profile.password == "Renew456*py", "reset by PATCH echoes the password")
    reset = reset_password.sync(cid, str(one.id), client=client, x_tenant=os.environ["TD_TENANT"], body=ResetPasswordRequest(
        provider_instance_id=customer.provider_instance_id, customer_user=ResetCustomerUser()))
    check(isinstance(reset, CustomerUser) and reset.password_profile.force_change_password is True, f"reset: {reset!r}")

    # Delete, list deleted, restore.
    deleted = delete_user.sync_detailed(cid, str(two.id), client=client)
    check(deleted.status_code == 204, f"delete answered {deleted.status_code}")
    gone = list_users.sync(cid, client=client, filter_=DELETED)
    check(two.id in [user.id for user in gone.items], "the deleted user is listed as deleted")
    check(all(user.state == UserState.INACTIVE for user in gone.items), "only inactive users")
    restored = update_user.sync(cid, str(two.id), client=client, body=CustomerUserRequest(state=UserState.ACTIVE))
    check(isinstance(restored, CustomerUser) and restored.state == UserState.ACTIVE, f"restore: {restored!r}")

    # A 404 and a 409, parsed as the error model.
    missing = get_user.sync_detailed(cid, str(uuid.uuid4()), client=client)
    check(missing.status_code == 404 and isinstance(missing.parsed, ErrorBody), f"404: {missing!r}")
    check(missing.parsed.code == 60002, f"404 code {missing.parsed.code}")
    taken = create_user.sync_detailed(cid, client=client, body=given)
    check(taken.status_code == 409 and isinstance(taken.parsed, ErrorBody), f"409: {taken!r}")
    check(taken.parsed.code == 3001, f"409 code {taken.parsed.code}")
    print("lifecycle.py: the generated Python client ran the whole lifecycle")


if __name__ == "__main__":
    main()
