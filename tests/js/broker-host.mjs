// The Worker that defines the TokenBroker Durable Object (users re-export it the same way).
export { TokenBroker } from "ctct-oauth";
export default { fetch: () => new Response("token broker host") };
