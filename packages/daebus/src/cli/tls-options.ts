import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';
import { toPlainError } from '../shared/errors';
import { CliError, ExitCodes } from './exit-codes';
import type { GlobalOptions } from './options';

/**
 * The TLS options of `--tls-ca`, `--tls-cert` and `--tls-key`, read from their files: any of them
 * turns TLS on, as `rediss://` does (`NODE_EXTRA_CA_CERTS` trusted a private authority, but
 * nothing could present a client certificate to a Redis that asks for one). None: no options.
 */
export function tlsOptions(globals: Pick<GlobalOptions, 'tlsCa' | 'tlsCert' | 'tlsKey'>): Pick<RedisOptions, 'tls'> {
  const { tlsCa, tlsCert, tlsKey } = globals;
  if (tlsCa === undefined && tlsCert === undefined && tlsKey === undefined) return {};
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new CliError('--tls-cert and --tls-key go together: give the client certificate and its private key.', ExitCodes.USAGE);
  }
  return {
    tls: {
      ...(tlsCa !== undefined ? { ca: read('--tls-ca', tlsCa) } : {}),
      ...(tlsCert !== undefined ? { cert: read('--tls-cert', tlsCert) } : {}),
      ...(tlsKey !== undefined ? { key: read('--tls-key', tlsKey) } : {}),
    },
  };
}

function read(option: string, file: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (err) {
    throw new CliError(`${option}: cannot read "${file}": ${toPlainError(err).message}`, ExitCodes.USAGE);
  }
  // anything else failed later as a TLS error that did not name the file ("self-signed certificate in certificate chain")
  if (!content.includes('-----BEGIN ')) {
    throw new CliError(`${option}: "${file}" is not in PEM form (a "-----BEGIN ..." block); convert it with openssl.`, ExitCodes.USAGE);
  }
  return content;
}
