// The bare floor of the Redis benchmarks: the least work a request/response over ioredis can
// do with the library's bytes and batching. Both sides send the same JSON text as the library
// (request and reply), built from templates with the request id spliced in; neither parses
// JSON, keeps a Map or sets a timer; both hold their publishes in the current turn and write
// them at once, as the library's transport does. What is left is ioredis, the sockets and
// redis-server: a ceiling for any client and service on them, not a usable protocol.

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

/** The caller side: the request id (a number) a reply's text answers. */
export function repliedId(reply) {
  return Number(reply.slice(REPLY_HEAD.length, REPLY_HEAD.length + ID_LENGTH));
}
