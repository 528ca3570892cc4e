/** For plugin authors' tests: a parameter view built from plain arrays, with no network behind it. */
package dev.secateur.spi.testing;
