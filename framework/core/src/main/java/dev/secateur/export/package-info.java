/** After the flow: a finished run's model as a DL4J zip, .npy files or a sparse file. */
package dev.secateur.export;
