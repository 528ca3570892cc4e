package dev.secateur.plugins.obs;

import org.nd4j.linalg.factory.Nd4j;

/** Dense symmetric positive-definite algebra in doubles, for the d×d Hessians of one layer. */
final class Cholesky {

    private Cholesky() {
    }

    /** L with A = LLᵀ. Fails naming the pivot if A is not positive definite. */
    static double[][] lower(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            double[] li = l[i];
            for (int j = 0; j <= i; j++) {
                double[] lj = l[j];
                double sum = a[i][j];
                for (int k = 0; k < j; k++) {
                    sum -= li[k] * lj[k];
                }
                if (i == j) {
                    if (!(sum > 0)) {
                        throw new IllegalStateException("the Hessian is not positive definite at pivot " + i
                                + " (" + sum + "); raise the option 'damping'");
                    }
                    li[i] = Math.sqrt(sum);
                } else {
                    li[j] = sum / lj[j];
                }
            }
        }
        return l;
    }

    /** A⁻¹ through A = LLᵀ: A⁻¹ = L⁻ᵀL⁻¹, the product taken by ND4J's gemm. */
    static double[][] inverse(double[][] a) {
        int n = a.length;
        double[][] l = lower(a);
        // X = L⁻¹ row by row: X_i = (e_i − Σ_{k<i} L_ik·X_k) / L_ii, each step a row axpy (cache friendly)
        double[][] x = new double[n][n];
        for (int i = 0; i < n; i++) {
            double[] xi = x[i];
            xi[i] = 1;
            double[] li = l[i];
            for (int k = 0; k < i; k++) {
                double f = li[k];
                if (f != 0) {
                    double[] xk = x[k];
                    for (int c = 0; c <= k; c++) {
                        xi[c] -= f * xk[c];
                    }
                }
            }
            double d = li[i];
            for (int c = 0; c <= i; c++) {
                xi[c] /= d;
            }
        }
        var linv = Nd4j.create(x);
        return linv.transpose().mmul(linv).toDoubleMatrix();
    }

    /** U with A = UᵀU (U = Lᵀ). */
    static double[][] upper(double[][] a) {
        double[][] l = lower(a);
        int n = l.length;
        double[][] u = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                u[j][i] = l[i][j];
            }
        }
        return u;
    }
}
