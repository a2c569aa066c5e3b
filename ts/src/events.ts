/** An ABCI event as CosmJS returns it (tx results, block results). */
export interface AbciEvent {
  readonly type: string;
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: string }>;
}

/**
 * Reads an attribute value of a typed event. The chain emits lit events with
 * EmitTypedEvent, which renders every attribute as JSON: strings come
 * quoted ("\"0xabc\""), uint64 as quoted decimals ("\"5\""), uint32 bare
 * (27), lists as JSON arrays. A value that is not JSON (the SDK's own
 * msg_index or mode attributes) is returned as it is.
 */
export function decodeAttributeValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** All attributes of an event, JSON-decoded; a repeated key keeps its last value. */
export function eventAttributes(event: AbciEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of event.attributes) out[a.key] = decodeAttributeValue(a.value);
  return out;
}

/** The decoded attributes of every event of this type (e.g. "lit.tss.v1.EventSignatureCompleted"). */
export function findEvents(events: readonly AbciEvent[], type: string): Array<Record<string, unknown>> {
  return events.filter((e) => e.type === type).map(eventAttributes);
}
