/**
 * The HTTP/1.1 edge rules shared by the framework's server and the gateway: strict framing (no
 * Content-Length with Transfer-Encoding, no conflicting lengths, chunked last and once, no folded
 * header lines), token and control-character checks on the head, and the trusted-proxy set that decides whether forwarding
 * headers are believed. Anything that accepts requests from the network applies all of them, so a
 * request the gateway forwards is one the framework would also have accepted.
 */
package dev.nonstop.web.http;
