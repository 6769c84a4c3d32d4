// A user's lifecycle through openapi-fetch typed by the types openapi-typescript generates from
// /openapi.json (generated/schema.d.ts). Compiled by tsc, which type-checks every request and
// response against the document, then run by .ci/openapi with TD_URL, TD_TOKEN, TD_CID and
// TD_TENANT set for a `serve --demo` server.

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.d.ts";

type CustomerUser = components["schemas"]["CustomerUser"];
type ErrorBody = components["schemas"]["ErrorBody"];

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`lifecycle.ts: ${message}`);
}

const client = createClient<paths>({
  baseUrl: env("TD_URL"),
  headers: { Authorization: `Bearer ${env("TD_TOKEN")}` },
});
const cid = env("TD_CID");
const run = Math.random().toString(16).slice(2, 10);
const deletedFilter = JSON.stringify({ Field: "UserState", Value: "Inactive", Operator: "equals" });

async function main(): Promise<void> {
  const customer = await client.GET("/v1/customers/{cid}", { params: { path: { cid } } });
  check(customer.data !== undefined, `get customer: ${JSON.stringify(customer.error)}`);
  const domain = customer.data.companyProfile.domain;

  // Create, with a password and without one.
  const body = {
    userPrincipalName: `ts-${run}@${domain}`,
    displayName: "Ts One",
    usageLocation: "US",
    passwordProfile: { password: "Xy7!typescript", forceChangePassword: false },
  };
  const created = await client.POST("/v1/customers/{cid}/users", { params: { path: { cid } }, body });
  check(created.response.status === 200 && created.data !== undefined, `create: ${created.response.status}`);
  const one: CustomerUser = created.data;
  check(one.passwordProfile?.password === "Xy7!typescript", "the password set is echoed once");
  const second = await client.POST("/v1/customers/{cid}/users", {
    params: { path: { cid } },
    body: { userPrincipalName: `ts-${run}-two@${domain}`, displayName: "Ts Two", usageLocation: "DE" },
  });
  check(second.data !== undefined, "create without a password");
  const two: CustomerUser = second.data;
  check((two.passwordProfile?.password ?? "").length >= 16, "a generated password");
  const users = { params: { path: { cid, uid: one.id } } };

  // Get.
  const read = await client.GET("/v1/customers/{cid}/users/{uid}", users);
  check(read.data?.userPrincipalName === body.userPrincipalName, "get");
  check(read.data.passwordProfile == null, "no password on get");

  // List with paging, pages of one.
  const seen: string[] = [];
  let token: string | null | undefined;
  let pages = 0;
  do {
    const page = await client.GET("/v1/customers/{cid}/users", {
      params: {
        path: { cid },
        query: token ? { size: 1, seekOperation: "Next" } : { size: 1 },
        header: token ? { "MS-ContinuationToken": token } : {},
      },
    });
    check(page.data !== undefined && page.data.items.length <= 1, "a page of one");
    seen.push(...page.data.items.map((user) => user.id));
    token = page.data.continuationToken;
    pages += 1;
  } while (token);
  check(pages >= 2 && seen.includes(one.id) && seen.includes(two.id), `paging saw ${pages} pages`);

  // Patch, reset by PATCH and by CloudCockpit's route.
  const patched = await client.PATCH("/v1/customers/{cid}/users/{uid}", { ...users, body: { displayName: "Ts Renamed" } });
  check(patched.data?.displayName === "Ts Renamed", "patch");
  const reset = await client.PATCH("/v1/customers/{cid}/users/{uid}", {
    ...users,
    body: { passwordProfile: { password: "Renew456*ts" } },
  });
  check(reset.data?.passwordProfile?.password === "Renew456*ts", "reset by PATCH");
  const cloudcockpit = await client.PATCH("/v1/customers/{cid}/users/{uid}/reset-password", {
    params: { path: { cid, uid: one.id }, header: { "X-Tenant": env("TD_TENANT") } },
    body: { providerInstanceId: customer.data.providerInstanceId, customerUser: {} },
  });
  check(cloudcockpit.data?.passwordProfile?.forceChangePassword === true, "reset by CloudCockpit's route");

  // Delete, list deleted, restore.
  const deleted = await client.DELETE("/v1/customers/{cid}/users/{uid}", { params: { path: { cid, uid: two.id } } });
  check(deleted.response.status === 204, `delete: ${deleted.response.status}`);
  const gone = await client.GET("/v1/customers/{cid}/users", { params: { path: { cid }, query: { filter: deletedFilter } } });
  check(gone.data?.items.some((user) => user.id === two.id) === true, "listed as deleted");
  check(gone.data.items.every((user) => user.state === "inactive"), "only inactive users");
  const restored = await client.PATCH("/v1/customers/{cid}/users/{uid}", {
    params: { path: { cid, uid: two.id } },
    body: { state: "active" },
  });
  check(restored.data?.state === "active", "restore");

  // A 404 and a 409, read as the error model.
  const missing = await client.GET("/v1/customers/{cid}/users/{uid}", {
    params: { path: { cid, uid: crypto.randomUUID() } },
  });
  const notFound: ErrorBody | undefined = missing.error;
  check(missing.response.status === 404 && notFound?.code === 60002, `404: ${JSON.stringify(notFound)}`);
  const taken = await client.POST("/v1/customers/{cid}/users", { params: { path: { cid } }, body });
  const conflict: ErrorBody | undefined = taken.error;
  check(taken.response.status === 409 && conflict?.code === 3001, `409: ${JSON.stringify(conflict)}`);
  console.log("lifecycle.ts: the generated TypeScript client ran the whole lifecycle");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
