# samples/jvm/local.mk - the JNI binding sample (being written)
