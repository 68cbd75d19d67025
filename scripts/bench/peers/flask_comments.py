# Peer for side-by-side benchmarks: the behaviour of the original Flask comments API
# (in-memory dict, POST /api/comment/new, GET /api/comment/list/<id>), rewritten here.
# By hand, from this directory: python3 -m gunicorn -w 1 -b 127.0.0.1:18081 flask_comments:app
# (one worker, as the original ran; Debian python3-flask gunicorn).
from flask import Flask, jsonify, request

app = Flask(__name__)
comments = {}


@app.route('/api/comment/new', methods=['POST'])
def comment_new():
    data = request.get_json()
    content_id = '{}'.format(data['content_id'])
    comments.setdefault(content_id, []).append(
        {'email': data['email'], 'comment': data['comment']})
    return jsonify({'status': 'SUCCESS',
                    'message': 'comment created and associated with content_id {}'.format(content_id)})


@app.route('/api/comment/list/<content_id>')
def comment_list(content_id):
    if content_id in comments:
        return jsonify(comments[content_id])
    return jsonify({'status': 'NOT-FOUND',
                    'message': 'content_id {} not found'.format(content_id)}), 404
