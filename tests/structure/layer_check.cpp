// Empty on purpose: the layer checks (CMakeLists.txt) link one layer library as a shared object that must resolve
// every symbol from the layers below it; a call into a higher layer is an undefined reference, a link error.
