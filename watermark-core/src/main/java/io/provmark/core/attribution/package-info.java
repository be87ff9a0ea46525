/**
 * Corpus-level attribution (radioactivity, closed-model mode): did a suspect model learn from our
 * watermarked outputs? All of a suspect's answers are scored as one stream with one global dedup
 * tape; see {@code docs/attribution.md}.
 */
package io.provmark.core.attribution;
