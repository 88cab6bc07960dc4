// Which routes of other paths answer on a path, for its 405s: found by walking a tree of the
// paths' segments, not by comparing every path with every other (4 000 routes took 14 s to mount,
// the event loop blocked meanwhile).

/** A path's shape (`/users/:`) as segments, and where the overlaps found for it go. */
export interface ShapedGroup {
  shape: string;
  methods: Set<string>;
  /** Methods that routes of other paths take on every path of this one. */
  elsewhere: Set<string>;
  /** Methods that routes of other paths take on some paths of this one, where the router matches this one first. */
  somewhere: Set<string>;
}

interface Node {
  children: Map<string, Node>;
  /** The groups whose shape ends here. */
  ends: ShapedGroup[];
}

/** Fill each group's `elsewhere` and `somewhere` from the other groups' methods. */
export function findOverlaps(groups: Iterable<ShapedGroup>): void {
  const root: Node = { children: new Map(), ends: [] };
  const split = new Map<ShapedGroup, string[]>();
  for (const group of groups) {
    const segments = group.shape.split('/');
    split.set(group, segments);
    let node = root;
    for (const segment of segments) {
      let child = node.children.get(segment);
      if (child === undefined) node.children.set(segment, (child = { children: new Map(), ends: [] }));
      node = child;
    }
    node.ends.push(group);
  }
  for (const [group, mine] of split) {
    for (const other of compatible(root, mine, 0)) {
      if (other === group) continue;
      const theirs = split.get(other) as string[];
      const into = covers(theirs, mine) ? group.elsewhere : shadows(mine, theirs) ? group.somewhere : undefined;
      if (into !== undefined) for (const m of other.methods) into.add(m);
    }
  }
}

/** The groups of `segments`' length whose every segment equals the one of `segments` there, or one of the two is a parameter. */
function* compatible(node: Node, segments: readonly string[], at: number): Generator<ShapedGroup> {
  if (at === segments.length) {
    yield* node.ends;
    return;
  }
  const segment = segments[at] as string;
  if (segment === ':') {
    for (const child of node.children.values()) yield* compatible(child, segments, at + 1);
    return;
  }
  const same = node.children.get(segment);
  if (same !== undefined) yield* compatible(same, segments, at + 1);
  const parameter = node.children.get(':');
  if (parameter !== undefined) yield* compatible(parameter, segments, at + 1);
}

/**
 * Whether every path of `inner`'s shape is one of `outer`'s: the same segments, `outer` having
 * a parameter (`:`) where they differ (`/users/:` covers `/users/me`).
 */
export function covers(outer: readonly string[], inner: readonly string[]): boolean {
  return outer.length === inner.length && outer.every((segment, n) => segment === ':' || segment === inner[n]);
}

/**
 * Whether a 405 on `mine` would shadow `other` on a path of both shapes: the router takes the
 * written segment before a parameter, so `mine` is matched first where, at the first segment that
 * differs, it has the written one (`/users/me/:` before `/users/:/x` on `/users/me/x`).
 */
function shadows(mine: readonly string[], other: readonly string[]): boolean {
  if (mine.length !== other.length || !mine.every((segment, n) => segment === other[n] || segment === ':' || other[n] === ':'))
    return false;
  const first = mine.findIndex((segment, n) => segment !== other[n]);
  return first >= 0 && other[first] === ':';
}
