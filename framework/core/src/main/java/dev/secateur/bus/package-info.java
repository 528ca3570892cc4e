/** Between the steps: addresses, sealed message families and the local codec that passes handles. */
package dev.secateur.bus;
