// A server-sent events stream of 10 events, each written as the handler
// produces it, through a ReadableStream. make bench-peers serves this same
// bundle on Deno and on Vault.
export default {
  fetch() {
    const encoder = new TextEncoder();
    let n = 0;
    const body = new ReadableStream({
      async pull(controller) {
        await null; // each event after a turn of the event loop, as real producers do
        n++;
        controller.enqueue(encoder.encode(`id: ${n}\nevent: tick\ndata: {"n":${n},"of":10}\n\n`));
        if (n === 10) controller.close();
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  },
};
