// The child side of the bench's IPC: each request from the parent carries an id, and gets one answer with
// that id, its value or the error's stack. The child leaves when the parent does.

/** Answers every request the parent sends with `handle`'s value or error. */
export function answerParent<Request extends { id: number }>(
  handle: (request: Request) => Promise<unknown>,
): void {
  process.on('message', (request: Request) => {
    handle(request).then(
      (value) => process.send?.({ id: request.id, ok: true, value }),
      (error: unknown) =>
        process.send?.({
          id: request.id,
          ok: false,
          error: String((error as Error)?.stack ?? error),
        }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
