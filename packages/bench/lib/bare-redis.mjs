// The bare floor of the Redis benchmarks: the least work a request/response over ioredis can
// do with the library's bytes and batching. Both sides send the same JSON text as the library
// (request and reply), built from templates with the request id spliced in; neither parses
// JSON, keeps a Map or sets a timer; both hold their publishes in the current turn and write
// them at once, as the library's transport does. What is left is ioredis, the sockets and
// redis-server: a ceiling for any client and service on them, not a usable protocol.
//
// The parsed floor adds to it the JSON that any client and service speaking the wire format
// must do: the caller writes the payload with JSON.stringify and parses each reply, and checks
// the reply's whole id; the service parses each request, reads its fields and writes its reply's
// payload and id with JSON.stringify. Still no table beyond a ring, no timer, no validation, no
// handler lookup: the least a conforming pair can do on the same sockets.

const ID_LENGTH = 36; // a UUID's length, so that the messages are as long as the library's

/** Publishes through `connection`, held back until the current turn's publishes are all written. */
export function corkedPublisher(connection) {
  let corked = false;
  const uncork = () => {
    corked = false;
    connection.stream.uncork();
  };
  return (channel, message) => {
    if (!corked) {
      corked = true;
      connection.stream.cork();
      process.nextTick(uncork);
    }
    return connection.publish(channel, message);
  };
}

/** The request's text for `id` (a number), in the library's field order. */
export function requestTemplate({ service, replyTo }) {
  const text = JSON.stringify({ action: 'echo', payload: { n: 1 }, reply_to: replyTo, request_id: '#', service });
  const [head, tail] = text.split('"#"');
  return (id) => `${head}"${String(id).padStart(ID_LENGTH, '0')}"${tail}`;
}

const REPLY_HEAD = '{"status":"success","payload":{"ok":true,"echo":1},"request_id":"';
const REPLY_TAIL = '","final":true}';

/** The service side: the reply's channel and text for a request's text, found by position. */
export function bareReply(request) {
  const to = request.indexOf('"reply_to":"') + 12;
  const channel = request.slice(to, request.indexOf('"', to));
  const at = request.indexOf('"request_id":"') + 14;
  return [channel, REPLY_HEAD + request.slice(at, at + ID_LENGTH) + REPLY_TAIL];
}

/** The parsed floor's request text for `id` (a number) and `payload` (stringified here). */
export function parsedRequestTemplate({ service, replyTo }) {
  const tail = `,"reply_to":${JSON.stringify(replyTo)},"request_id":"`;
  const end = `","service":${JSON.stringify(service)}}`;
  return (id, payload) => `{"action":"echo","payload":${JSON.stringify(payload)}${tail}${String(id).padStart(ID_LENGTH, '0')}${end}`;
}

/** The parsed floor's service side: the request parsed, the reply's channel and text written from it. */
export function parsedReply(text) {
  const request = JSON.parse(text);
  const payload = { ok: true, echo: request.payload.n };
  return [
    request.reply_to,
    `{"status":"success","payload":${JSON.stringify(payload)},"request_id":${JSON.stringify(request.request_id)},"final":true}`,
  ];
}

/** The parsed floor's caller side: the reply parsed; its id as a number, and its payload. */
export function parsedAnswer(text) {
  const reply = JSON.parse(text);
  return [Number(reply.request_id), reply.payload];
}

/** The caller side: the request id (a number) a reply's text answers. */
export function repliedId(reply) {
  return Number(reply.slice(REPLY_HEAD.length, REPLY_HEAD.length + ID_LENGTH));
}
