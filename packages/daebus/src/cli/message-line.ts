import { NOT_JSON, parseWireJson } from '../shared/python-json';
import { reindent } from './reindent';

/**
 * A message as `listen` prints it: on one line, or JSON indented (`pretty`). In JSON a raw CR or
 * LF can only be whitespace (a string holds them escaped): each becomes a space, the value is the
 * same. In text that is not JSON they are escaped as \r and \n: one message stays one line.
 */
export function messageLine(message: string, pretty = false): string {
  if (!message.includes('\n') && !message.includes('\r')) return pretty ? reindent(message) : message;
  if (parseWireJson(message) !== NOT_JSON) return pretty ? reindent(message) : message.replace(/[\r\n]/g, ' ');
  return message.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}
