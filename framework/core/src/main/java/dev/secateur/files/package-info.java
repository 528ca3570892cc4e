/** Under everything that writes: files replaced whole and durably, so a crash leaves the old content or the new, never a mix. */
package dev.secateur.files;
