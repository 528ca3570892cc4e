/** {@code gpt-tiny}: a small decoder-only transformer as DL4J layers, every linear weight a plain dense layer. */
package dev.secateur.model.gpt;
