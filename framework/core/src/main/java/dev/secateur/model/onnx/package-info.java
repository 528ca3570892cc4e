/** Step 1, load, from outside: ONNX graphs read into DL4J networks, and networks written back as ONNX. */
package dev.secateur.model.onnx;
