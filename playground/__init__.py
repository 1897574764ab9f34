"""The Gradio playground: brief, storyboard, edits, approval and variants in a web page.

``cutroom playground`` turns Gradio's analytics and the Hugging Face hub's network calls off
(unless the environment already says otherwise) before Gradio itself is imported.
"""
