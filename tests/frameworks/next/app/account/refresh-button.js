"use client";
import { useEffect, useState } from "react";
import { refreshNow } from "./actions.js";

export function RefreshButton() {
  const [ready, setReady] = useState(false); // enabled once hydrated: a click before that would do nothing
  const [result, setResult] = useState(null);
  useEffect(() => setReady(true), []);
  return (
    <>
      <button id="refresh" disabled={!ready} onClick={async () => setResult(await refreshNow())}>
        Refresh now
      </button>
      {result && <p id="refreshed">{JSON.stringify(result)}</p>}
    </>
  );
}
