// Matching indexes and constraints of one table, expected against live, by name AND by
// definition: the same definition under another name is a rename (cosmetic), the same
// name with another definition is a change, and the same definition twice on the live
// table is a duplicate.

export interface Named {
  name: string;
  definition: string;
}

export interface NamedMatch<T extends Named> {
  changed: { expected: T; live: T }[];
  renamed: { expected: T; live: T }[];
  missing: T[];
  extra: T[];
}

export interface Duplicate<T extends Named> {
  /** The copy that stays: the one the migrations name, or the first by name. */
  keep: T;
  drop: T;
}

/**
 * Live items with the same definition as another live item. `pinned` items (PostgreSQL
 * indexes that back a constraint) are always the one kept.
 */
export function findDuplicates<T extends Named>(live: T[], expectedNames: Set<string>, pinned: (item: T) => boolean = () => false): Duplicate<T>[] {
  const groups = new Map<string, T[]>();
  for (const item of live) groups.set(item.definition, [...(groups.get(item.definition) ?? []), item]);
  const duplicates: Duplicate<T>[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const sorted = [...group].sort((a, b) => a.name.localeCompare(b.name));
    const keep = sorted.find(pinned) ?? sorted.find((i) => expectedNames.has(i.name)) ?? sorted[0]!;
    for (const item of sorted) if (item !== keep) duplicates.push({ keep, drop: item });
  }
  return duplicates;
}

export function matchNamed<T extends Named>(expected: T[], live: T[]): NamedMatch<T> {
  const result: NamedMatch<T> = { changed: [], renamed: [], missing: [], extra: [] };
  const unmatchedLive = new Map(live.map((l) => [l.name, l]));
  const unmatchedExpected: T[] = [];
  for (const e of expected) {
    const l = unmatchedLive.get(e.name);
    if (!l) {
      unmatchedExpected.push(e);
      continue;
    }
    unmatchedLive.delete(e.name);
    if (l.definition !== e.definition) result.changed.push({ expected: e, live: l });
  }
  for (const e of unmatchedExpected) {
    const l = [...unmatchedLive.values()].find((candidate) => candidate.definition === e.definition);
    if (l) {
      unmatchedLive.delete(l.name);
      result.renamed.push({ expected: e, live: l });
    } else {
      result.missing.push(e);
    }
  }
  result.extra = [...unmatchedLive.values()];
  return result;
}
