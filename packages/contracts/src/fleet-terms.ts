// The fleet snapshot's freshness vocabulary, without TypeBox so that the web app can import the values.

/**
 * Every answer of `GET /api/fleet` (200 and 304) carries this header once VergeOS has answered a poll: how old the
 * data is, in whole milliseconds at the moment of answering, i.e. the time since VergeOS last answered a fleet poll
 * successfully. An age rather than a time, so that a browser whose clock differs from the server's still knows
 * when (by its own clock) the data was current: `answeredAt = requestSentAt - age`. It is a header, not a field of
 * the snapshot, so that the body (and its ETag) changes only when the fleet does, and a quiet fleet is still
 * answered `304`. Absent before VergeOS's first answer.
 */
export const DATA_AGE_HEADER = 'x-powerdeck-data-age';
