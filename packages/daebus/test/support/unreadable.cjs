// Values whose fields throw as they are read, made the same way by the tests and their fixtures.

/** A thrown value of `kind`: an object whose message getter throws, an Error whose message throws, or a revoked Proxy. */
exports.unreadable = function unreadable(kind) {
  if (kind === 'getter')
    return {
      get message() {
        throw new Error('getter!');
      },
    };
  if (kind === 'message') {
    const err = new Error('x');
    Object.defineProperty(err, 'message', {
      get() {
        throw new Error('message getter');
      },
    });
    return err;
  }
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};
