// Ported from WPT streams/readable-streams/tee.any.js, plus byte-stream
// tee cases after readable-byte-streams/tee.any.js.
test(() => {
  const result = new ReadableStream().tee();
  assert_true(Array.isArray(result));
  assert_equals(result.length, 2);
  assert_equals(result[0].constructor, ReadableStream);
  assert_equals(result[1].constructor, ReadableStream);
}, "ReadableStream teeing: rs.tee() returns an array of two ReadableStreams");

promise_test((t) => {
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
  const [branch1, branch2] = rs.tee();
  const reader1 = branch1.getReader(), reader2 = branch2.getReader();
  reader2.closed.then(t.unreached_func("branch2 should not be closed"));
  return Promise.all([
    reader1.closed,
    reader1.read().then((r) => assert_object_equals(r, { value: "a", done: false })),
    reader1.read().then((r) => assert_object_equals(r, { value: "b", done: false })),
    reader1.read().then((r) => assert_object_equals(r, { value: undefined, done: true })),
    reader2.read().then((r) => assert_object_equals(r, { value: "a", done: false })),
  ]);
}, "ReadableStream teeing: should be able to read one branch to the end without affecting the other");

promise_test(() => {
  const theObject = { the: "test object" };
  const rs = new ReadableStream({ start(c) { c.enqueue(theObject); } });
  const [b1, b2] = rs.tee();
  return Promise.all([b1.getReader().read(), b2.getReader().read()]).then((values) => {
    assert_equals(values[0].value, theObject);
    assert_equals(values[1].value, theObject);
  });
}, "ReadableStream teeing: values should be equal across each branch");

promise_test((t) => {
  const theError = { name: "boo!" };
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); }, pull() { throw theError; } });
  const branches = rs.tee();
  const reader1 = branches[0].getReader(), reader2 = branches[1].getReader();
  return Promise.all([
    promise_rejects_exactly(t, theError, reader1.closed),
    promise_rejects_exactly(t, theError, reader2.closed),
    reader1.read().then((r) => assert_object_equals(r, { value: "a", done: false })),
    reader1.read().then((r) => {
      assert_object_equals(r, { value: "b", done: false });
      return promise_rejects_exactly(t, theError, reader2.read());
    }).then(() => promise_rejects_exactly(t, theError, reader1.read())),
  ]);
}, "ReadableStream teeing: errors in the source should propagate to both branches");

promise_test(() => {
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
  const [branch1, branch2] = rs.tee();
  branch1.cancel();
  return Promise.all([
    readableStreamToArray(branch1).then((chunks) => assert_array_equals(chunks, [])),
    readableStreamToArray(branch2).then((chunks) => assert_array_equals(chunks, ["a", "b"])),
  ]);
}, "ReadableStream teeing: canceling branch1 should not impact branch2");

promise_test(() => {
  const rs = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } });
  const [branch1, branch2] = rs.tee();
  branch2.cancel();
  return Promise.all([
    readableStreamToArray(branch1).then((chunks) => assert_array_equals(chunks, ["a", "b"])),
    readableStreamToArray(branch2).then((chunks) => assert_array_equals(chunks, [])),
  ]);
}, "ReadableStream teeing: canceling branch2 should not impact branch1");

promise_test(() => {
  const reason1 = new Error("We're wanted men.");
  const reason2 = new Error("I have the death sentence on twelve systems.");
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  const rs = new ReadableStream({
    cancel(reason) {
      assert_array_equals(reason, [reason1, reason2]);
      resolve();
    },
  });
  const [branch1, branch2] = rs.tee();
  branch1.cancel(reason1);
  branch2.cancel(reason2);
  return promise;
}, "ReadableStream teeing: canceling both branches should aggregate the cancel reasons into an array");

promise_test((t) => {
  const theError = { name: "I'll be careful." };
  const rs = new ReadableStream({ cancel() { throw theError; } });
  const [branch1, branch2] = rs.tee();
  return Promise.all([
    promise_rejects_exactly(t, theError, branch1.cancel()),
    promise_rejects_exactly(t, theError, branch2.cancel()),
  ]);
}, "ReadableStream teeing: failing to cancel the original stream should cause cancel() to reject on branches");

promise_test(() => {
  let controller;
  const stream = new ReadableStream({ start(c) { controller = c; } });
  const [branch1, branch2] = stream.tee();
  controller.error("error");
  return Promise.all([branch1.cancel().catch((e) => e), branch2.cancel().catch((e) => e)]).then((r) => {
    assert_equals(r[0], "error");
    assert_equals(r[1], "error");
  });
}, "ReadableStream teeing: erroring a teed stream should properly handle canceled branches");

promise_test(() => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const branches = rs.tee();
  const promise = Promise.all([branches[0].getReader().closed, branches[1].getReader().closed]);
  controller.close();
  return promise;
}, "ReadableStream teeing: closing the original should immediately close the branches");

promise_test((t) => {
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  const branches = rs.tee();
  const theError = { name: "boo!" };
  const promise = Promise.all([
    promise_rejects_exactly(t, theError, branches[0].getReader().closed),
    promise_rejects_exactly(t, theError, branches[1].getReader().closed),
  ]);
  controller.error(theError);
  return promise;
}, "ReadableStream teeing: erroring the original should immediately error the branches");

test((t) => {
  const oldReadableStream = ReadableStream;
  const getReader = ReadableStream.prototype.getReader;
  const origRS = new ReadableStream();
  globalThis.ReadableStream = function () { throw new Error("global ReadableStream constructor called"); };
  t.add_cleanup(() => { globalThis.ReadableStream = oldReadableStream; });
  const [rs1, rs2] = origRS.tee();
  globalThis.ReadableStream = oldReadableStream;
  assert_not_equals(getReader.call(rs1), undefined);
  assert_not_equals(getReader.call(rs2), undefined);
}, "ReadableStreamTee should not use a modified ReadableStream constructor from the global object");

promise_test(() => {
  const rs = recordingReadableStream({}, { highWaterMark: 0 });
  rs.tee();
  return flushAsyncEvents().then(() => assert_array_equals(rs.events, ["pull"], "pull should only be called once"));
}, "ReadableStreamTee should not pull more chunks than can fit in the branch queue");

promise_test(() => {
  const rs = recordingReadableStream({ pull(controller) { controller.enqueue("a"); } }, { highWaterMark: 0 });
  const [reader1, reader2] = rs.tee().map((branch) => branch.getReader());
  return Promise.all([reader1.read(), reader2.read()]).then(() => {
    assert_array_equals(rs.events, ["pull", "pull"], "pull should be called twice");
  });
}, "ReadableStreamTee should only pull enough to fill the emptiest queue");

promise_test(() => {
  const rs = new ReadableStream({
    type: "bytes",
    start(c) { c.enqueue(new Uint8Array([1, 2, 3])); c.enqueue(new Uint8Array([4])); c.close(); },
  });
  const [b1, b2] = rs.tee();
  return Promise.all([readableStreamToArray(b1), readableStreamToArray(b2)]).then(([c1, c2]) => {
    assert_equals(c1.length, 2);
    assert_equals(c2.length, 2);
    assert_typed_array_equals(c1[0], new Uint8Array([1, 2, 3]));
    assert_typed_array_equals(c2[0], new Uint8Array([1, 2, 3]));
    assert_not_equals(c1[0].buffer, c2[0].buffer, "each branch gets its own copy");
    assert_typed_array_equals(c2[1], new Uint8Array([4]));
  });
}, "ReadableStream teeing with byte source: chunks should be cloned for each branch");

promise_test(() => {
  const rs = new ReadableStream({
    type: "bytes",
    start(c) { c.enqueue(new Uint8Array([1, 2, 3, 4])); c.close(); },
  });
  const [b1, b2] = rs.tee();
  const r1 = b1.getReader({ mode: "byob" });
  return r1.read(new Uint8Array(2)).then((r) => {
    assert_false(r.done);
    assert_typed_array_equals(r.value, new Uint8Array([1, 2]));
    return r1.read(new Uint8Array(4));
  }).then((r) => {
    assert_false(r.done);
    assert_array_equals([...r.value], [3, 4]);
    return readableStreamToArray(b2);
  }).then((chunks) => {
    // The other branch gets what each BYOB read took from the source.
    assert_equals(chunks.length, 2);
    assert_array_equals([...chunks[0]], [1, 2]);
    assert_array_equals([...chunks[1]], [3, 4]);
  });
}, "ReadableStream teeing with byte source: a BYOB read on one branch, a default read on the other");

promise_test((t) => {
  const theError = new Error("boo");
  const rs = new ReadableStream({ type: "bytes", pull(c) { c.error(theError); } });
  const [b1, b2] = rs.tee();
  return Promise.all([
    promise_rejects_exactly(t, theError, b1.getReader().read()),
    promise_rejects_exactly(t, theError, b2.getReader({ mode: "byob" }).read(new Uint8Array(1))),
  ]);
}, "ReadableStream teeing with byte source: errors in the source should propagate to both branches");

promise_test(() => {
  let reasons;
  const rs = new ReadableStream({ type: "bytes", cancel(r) { reasons = r; } });
  const [b1, b2] = rs.tee();
  return Promise.all([b1.cancel("x"), b2.cancel("y")]).then(() => assert_array_equals(reasons, ["x", "y"]));
}, "ReadableStream teeing with byte source: canceling both branches should aggregate the cancel reasons into an array");
