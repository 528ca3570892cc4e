/** Beside the flow: where runs go, each step's timeout, and the version of Secateur. */
package dev.secateur.config;
