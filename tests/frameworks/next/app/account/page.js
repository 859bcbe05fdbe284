// A server component (Node.js runtime): the account's claims, read from its session on Redis, and a button
// for the server action.
import { cookies } from "next/headers";
import { decodeAccessToken } from "ctct-oauth";
import { accountSession } from "../../lib/redis.js";
import { RefreshButton } from "./refresh-button.js";

export default async function Account() {
  const account = (await cookies()).get("ctct_account")?.value;
  if (!account) return <p id="signed-out">Not signed in</p>;
  const session = await accountSession(account);
  const claims = decodeAccessToken(await session.accessToken());
  return (
    <main>
      <p id="claims">{JSON.stringify({ clientId: claims.clientId, userId: claims.userId })}</p>
      <RefreshButton />
    </main>
  );
}
