/**
 * The verifier service for legal teams (cases, evidence, jobs, signed reports). Not built yet: it
 * is its own issue; the module exists so the build layout and dependency direction are fixed.
 */
package io.provmark.verifier;
